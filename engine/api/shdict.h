#pragma once
// Design: ngx.shared.DICT. The zones live in a process-wide (engine-thread) registry keyed
// by name, built from `lua_shared_dict` at startup, so every VM (one per request with
// lua_code_cache off) sees the same data; each VM's ngx.shared holds a small table per
// zone ({[1] = zone pointer} with the shared methods), as lua-resty-core's check_zone wants.

struct lua_State;

namespace restyscope::engine::conf {
struct Config;
}

namespace restyscope::engine::api {

class SharedDictStore;

// (Re)creates the registry from the conf's lua_shared_dict list. A zone whose name and size
// are unchanged keeps its data (nginx reuses a shared zone across a reload likewise).
void configureSharedDicts(const conf::Config& config);
// The zone of that name, or nullptr.
SharedDictStore* findSharedDict(const char* name);

} // namespace restyscope::engine::api
