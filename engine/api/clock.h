#pragma once
// Design: nginx reads the clock once per turn of its event loop (ngx_time_update) and
// ngx.now(), ngx.time(), ngx.today() ... all read that cached time, so they agree within
// one handler run and only move on after a wait. Here the cache is refreshed when Lua runs
// in a new resume (the engine's equivalent of a loop turn) or on ngx.update_time(). The
// time source is replaceable: the debugger installs a clock that leaves out paused time.
// Engine thread only.

#include <cstdint>
#include <functional>

struct lua_State;

namespace restyscope::engine::api {

// Wall-clock seconds since the epoch.
using TimeSource = std::function<double()>;

// Replaces the time source; an empty function restores the system clock.
void setTimeSource(TimeSource source);
// The source's current time, uncached.
double sourceNow();

// The cached time as ngx.now() returns it (whole milliseconds), refreshed first if the
// calling coroutine is in a resume that has not read the clock yet. L may be any state.
double ngxNow(lua_State* L);
// Whole seconds of ngxNow() (ngx.time()).
std::int64_t ngxTime(lua_State* L);
// ngx.update_time(): refresh the cache now.
void updateTime();

} // namespace restyscope::engine::api
