// ngx.now, ngx.time, ngx.update_time, ngx.today, ngx.localtime, ngx.utctime, ngx.http_time,
// ngx.cookie_time and ngx.parse_http_time (lua-resty-core's time.lua over nginx's cached
// time and calendar functions).

#include "engine/api/apicommon.h"
#include "engine/api/apiutil.h"
#include "engine/api/clock.h"
#include "engine/api/httptime.h"
#include "engine/api/strings.h"

#include <lua.hpp>

#include <cmath>
#include <ctime>
#include <string>

namespace restyscope::engine::api {

namespace {

// nginx's local calendar: UTC fields of the time shifted by the zone's offset.
CivilTime localTime(std::int64_t seconds)
{
    const auto t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    localtime_r(&t, &tm);
    return gmTime(seconds + tm.tm_gmtoff);
}

void pushString(lua_State* L, const std::string& text)
{
    lua_pushlstring(L, text.data(), text.size());
}

// The FFI "long" argument of ngx_http_lua_ffi_http_time and _cookie_time.
std::int64_t secondsArgument(lua_State* L)
{
    if (lua_type(L, 1) != LUA_TNUMBER) {
        errorAt(L, 1, "number argument only");
    }
    const double value = lua_tonumber(L, 1);
    if (!(value > -9.2e18 && value < 9.2e18)) {
        return 0;
    }
    return static_cast<std::int64_t>(value);
}

int ngxNowFunction(lua_State* L)
{
    lua_pushnumber(L, ngxNow(L));
    return 1;
}

int ngxTimeFunction(lua_State* L)
{
    lua_pushnumber(L, static_cast<lua_Number>(ngxTime(L)));
    return 1;
}

int ngxUpdateTime(lua_State*)
{
    updateTime();
    return 0;
}

int ngxToday(lua_State* L)
{
    pushString(L, formatDate(localTime(ngxTime(L))));
    return 1;
}

int ngxLocaltime(lua_State* L)
{
    pushString(L, formatDateTime(localTime(ngxTime(L))));
    return 1;
}

int ngxUtctime(lua_State* L)
{
    pushString(L, formatDateTime(gmTime(ngxTime(L))));
    return 1;
}

int ngxHttpTime(lua_State* L)
{
    pushString(L, httpTime(secondsArgument(L)));
    return 1;
}

int ngxCookieTime(lua_State* L)
{
    pushString(L, cookieTime(secondsArgument(L)));
    return 1;
}

int ngxParseHttpTime(lua_State* L)
{
    if (lua_type(L, 1) != LUA_TSTRING) {
        return errorAt(L, 1, "string argument only");
    }
    std::size_t len = 0;
    const char* text = lua_tolstring(L, 1, &len);
    const auto parsed = parseHttpTime({text, len});
    // lua-resty-core cannot tell a time of -1 from NGX_ERROR.
    if (!parsed || *parsed == -1) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushnumber(L, static_cast<lua_Number>(*parsed));
    return 1;
}

} // namespace

void installTime(lua_State* L)
{
    /* stack: ngx -> ngx */
    setFunction(L, "now", ngxNowFunction);
    setFunction(L, "time", ngxTimeFunction);
    setFunction(L, "update_time", ngxUpdateTime);
    setFunction(L, "today", ngxToday);
    setFunction(L, "localtime", ngxLocaltime);
    setFunction(L, "utctime", ngxUtctime);
    setFunction(L, "http_time", ngxHttpTime);
    setFunction(L, "cookie_time", ngxCookieTime);
    setFunction(L, "parse_http_time", ngxParseHttpTime);
}

} // namespace restyscope::engine::api
