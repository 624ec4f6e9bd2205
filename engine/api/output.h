#pragma once
// Shared by the output functions and whoever sends a response from Lua.

#include <cstddef>
#include <string>

namespace restyscope::engine::sched {
class RequestCtx;
}

namespace restyscope::engine::api {

// A number as ngx.print writes it: an int32-exact value as an integer, else "%.14g".
void appendNumber(double value, std::string& out);
// Before the first output: lua_http10_buffering for HTTP/1.0 clients.
void prepareFirstOutput(sched::RequestCtx& ctx);
void emitOutput(sched::RequestCtx& ctx, std::size_t bytes);

} // namespace restyscope::engine::api
