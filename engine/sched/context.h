#pragma once
// The Lua contexts an API may run in (lua-nginx-module's NGX_HTTP_LUA_CONTEXT_*), and the
// names its "API disabled in the context of ..." errors print.

#include <string_view>

namespace restyscope::engine::sched {

enum Context : unsigned {
    kContextSet = 1u << 0,
    kContextRewrite = 1u << 1,
    kContextAccess = 1u << 2,
    kContextContent = 1u << 3,
    kContextLog = 1u << 4,
    kContextHeaderFilter = 1u << 5,
    kContextBodyFilter = 1u << 6,
    kContextTimer = 1u << 7,
    kContextInitWorker = 1u << 8,
    kContextInit = 1u << 9,
    kContextServerRewrite = 1u << 10,
};

// The contexts a coroutine runs in and so may yield (NGX_HTTP_LUA_CONTEXT_YIELDABLE).
inline constexpr unsigned kContextYieldable =
    kContextRewrite | kContextServerRewrite | kContextAccess | kContextContent | kContextTimer;

std::string_view contextName(unsigned context);
// ngx.get_phase() names: "rewrite", "content", "timer", "init", ...
std::string_view phaseName(unsigned context);

} // namespace restyscope::engine::sched
