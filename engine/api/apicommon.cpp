#include "engine/api/apicommon.h"

#include "engine/http/connection.h"
#include "engine/sched/scheduler.h"
#include "engine/trace/errorlog.h"

#include <lua.hpp>

namespace restyscope::engine::api {

sched::RequestCtx* findRequest(lua_State* L)
{
    return sched::RequestCtx::of(L);
}

sched::RequestCtx& checkRequest(lua_State* L, const char* noRequest)
{
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        luaL_error(L, "%s", noRequest);
    }
    return *ctx;
}

void checkContext(lua_State* L, const sched::RequestCtx& ctx, unsigned allowed)
{
    if ((ctx.context & allowed) == 0) {
        const std::string name(sched::contextName(ctx.context));
        luaL_error(L, "API disabled in the context of %s", name.c_str());
    }
}

sched::RequestCtx& requireContext(lua_State* L, unsigned allowed, const char* noRequest)
{
    sched::RequestCtx& ctx = checkRequest(L, noRequest);
    checkContext(L, ctx, allowed);
    return ctx;
}

void setFunction(lua_State* L, const char* name, int (*f)(lua_State*))
{
    lua_pushcfunction(L, f);
    lua_setfield(L, -2, name);
}

void setProxyTable(lua_State* L, const char* name, int (*get)(lua_State*), int (*set)(lua_State*))
{
    lua_newtable(L);
    lua_createtable(L, 0, 2);
    setFunction(L, "__index", get);
    setFunction(L, "__newindex", set);
    lua_setmetatable(L, -2);
    lua_setfield(L, -2, name);
}

namespace {

// __index(t, key) with upvalues prefix and the set of names.
int notImplementedIndex(lua_State* L)
{
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(2));
    const bool listed = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (listed) {
        return notImplementedError(L, lua_tostring(L, lua_upvalueindex(1)), lua_tostring(L, 2));
    }
    lua_pushnil(L);
    return 1;
}

} // namespace

int notImplementedError(lua_State* L, const char* prefix, const char* name)
{
    return luaL_error(L, "%s.%s is not implemented by restyscope", prefix, name);
}

void markNotImplemented(lua_State* L, const char* prefix, std::initializer_list<const char*> names)
{
    /* stack: t -> t, mt, prefix, set */
    lua_createtable(L, 0, 1);
    lua_pushstring(L, prefix);
    lua_createtable(L, 0, static_cast<int>(names.size()));
    for (const char* name : names) {
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, name);
    }
    lua_pushcclosure(L, notImplementedIndex, 2);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
}

void logForRequest(const sched::RequestCtx* ctx, int ngxLevel, const std::string& message)
{
    // ngx.STDERR 0 .. ngx.DEBUG 8 map onto nginx's levels (stderr/emerg both "emerg").
    static constexpr trace::LogLevel levels[] = {
        trace::LogLevel::Emerg,  trace::LogLevel::Emerg, trace::LogLevel::Alert,
        trace::LogLevel::Crit,   trace::LogLevel::Error, trace::LogLevel::Warn,
        trace::LogLevel::Notice, trace::LogLevel::Info,  trace::LogLevel::Debug};
    const auto level = levels[ngxLevel < 0 ? 0 : (ngxLevel > 8 ? 8 : ngxLevel)];
    if (!ctx) {
        return;
    }
    trace::ErrorLog& log = ctx->scheduler.log();
    if (!log.enabled(level)) {
        return;
    }
    log.write(level, ctx->connectionSerial(), message + ctx->scheduler.logContext(*ctx));
}

} // namespace restyscope::engine::api
