// ngx.get_phase, ngx.worker.* and ngx.config.* (lua-resty-core's phase.lua and worker.lua,
// ngx_http_lua_config.c), and the installer of the utility functions. restyscope is one
// process, like nginx with master_process off: worker 0 of 1.

#include "engine/api/misc.h"

#include "engine/api/api.h"
#include "engine/api/apicommon.h"
#include "engine/api/strings.h"

#include <lua.hpp>
#include <unistd.h>

#include <string>

namespace restyscope::engine::api {

namespace {

struct ProcessFacts
{
    std::string prefix;
    bool exiting = false;
};

ProcessFacts& facts()
{
    static ProcessFacts value;
    return value;
}

// The nginx and lua-nginx-module versions restyscope follows.
constexpr int kNginxVersion = 1022001;
constexpr int kNgxLuaVersion = 10023;
// What `nginx -V` prints after "configure arguments:" for a build like the reference one.
constexpr const char* kConfigure = " --with-debug --with-pcre-jit --with-threads";

int getPhase(lua_State* L)
{
    const sched::RequestCtx* ctx = findRequest(L);
    // No request: the init phase, as lua-resty-core assumes.
    const std::string_view phase = ctx ? sched::phaseName(ctx->context) : "init";
    lua_pushlstring(L, phase.data(), phase.size());
    return 1;
}

int workerPid(lua_State* L)
{
    lua_pushinteger(L, static_cast<lua_Integer>(getpid()));
    return 1;
}

int workerPids(lua_State* L)
{
    const sched::RequestCtx* ctx = findRequest(L);
    if (!ctx || ctx->context == sched::kContextInitWorker) {
        lua_pushnil(L);
        lua_pushliteral(L, "API disabled in the current context");
        return 2;
    }
    lua_createtable(L, 1, 0);
    lua_pushinteger(L, static_cast<lua_Integer>(getpid()));
    lua_rawseti(L, -2, 1);
    return 1;
}

int workerId(lua_State* L)
{
    lua_pushinteger(L, 0);
    return 1;
}

int workerCount(lua_State* L)
{
    lua_pushinteger(L, 1);
    return 1;
}

int workerExiting(lua_State* L)
{
    lua_pushboolean(L, facts().exiting);
    return 1;
}

int configPrefix(lua_State* L)
{
    const std::string& prefix = facts().prefix;
    lua_pushlstring(L, prefix.data(), prefix.size());
    return 1;
}

int configConfigure(lua_State* L)
{
    lua_pushstring(L, kConfigure);
    return 1;
}

} // namespace

void setConfigPrefix(const std::string& prefix)
{
    facts().prefix = prefix;
    if (!facts().prefix.empty() && facts().prefix.back() != '/') {
        facts().prefix.push_back('/');
    }
}

void setWorkerExiting(bool exiting)
{
    facts().exiting = exiting;
}

void installMisc(lua_State* L)
{
    /* stack: ngx -> ngx */
    setFunction(L, "get_phase", getPhase);

    lua_createtable(L, 0, 5);
    setFunction(L, "pid", workerPid);
    setFunction(L, "pids", workerPids);
    setFunction(L, "id", workerId);
    setFunction(L, "count", workerCount);
    setFunction(L, "exiting", workerExiting);
    lua_setfield(L, -2, "worker");

    lua_createtable(L, 0, 6);
    lua_pushboolean(L, 1); // the reference nginx is a --with-debug build
    lua_setfield(L, -2, "debug");
    setFunction(L, "prefix", configPrefix);
    lua_pushinteger(L, kNginxVersion);
    lua_setfield(L, -2, "nginx_version");
    lua_pushinteger(L, kNgxLuaVersion);
    lua_setfield(L, -2, "ngx_lua_version");
    setFunction(L, "nginx_configure", configConfigure);
    lua_pushliteral(L, "http");
    lua_setfield(L, -2, "subsystem");
    lua_setfield(L, -2, "config");

    installTime(L);
    installStrings(L);
}

} // namespace restyscope::engine::api
