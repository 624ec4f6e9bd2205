// Cosocket setoption/getoption (lua-resty-core's option names on the connection's
// descriptor), and the methods restyscope does not implement (sslhandshake,
// setclientcert, bind), which raise an error naming themselves.

#include "engine/api/apicommon.h"
#include "engine/api/socket.h"

#include <lua.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

namespace restyscope::engine::api::cosocket {

namespace {

// lua-resty-core's option names and the socket level they set.
bool optionOf(const std::string& name, int& level, int& option)
{
    if (name == "keepalive") {
        level = SOL_SOCKET, option = SO_KEEPALIVE;
    } else if (name == "reuseaddr") {
        level = SOL_SOCKET, option = SO_REUSEADDR;
    } else if (name == "tcp-nodelay") {
        level = IPPROTO_TCP, option = TCP_NODELAY;
    } else if (name == "sndbuf") {
        level = SOL_SOCKET, option = SO_SNDBUF;
    } else if (name == "rcvbuf") {
        level = SOL_SOCKET, option = SO_RCVBUF;
    } else {
        return false;
    }
    return true;
}

int optionCall(lua_State* L, bool set)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    std::shared_ptr<TcpCosocket> s = tcpOf(L, 1);
    if (lua_isnoneornil(L, 2)) {
        return pushNilError(L, "missing the \"option\" argument");
    }
    if (set && lua_isnoneornil(L, 3)) {
        return pushNilError(L, "missing the \"value\" argument");
    }
    const std::string name = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "";
    int level = 0;
    int option = 0;
    if (!optionOf(name, level, option)) {
        lua_pushnil(L);
        lua_getglobal(L, "tostring");
        lua_pushvalue(L, 2);
        lua_call(L, 1, 1);
        lua_pushfstring(L, "unsupported option %s", lua_tostring(L, -1));
        lua_remove(L, -2);
        return 2;
    }
    if (!s || !s->connected()) {
        return pushNilError(L, "closed");
    }
    const int fd = s->stream->nativeHandle();
    if (set) {
        int value =
            lua_isboolean(L, 3) ? lua_toboolean(L, 3) : static_cast<int>(luaL_checkinteger(L, 3));
        if (::setsockopt(fd, level, option, &value, sizeof(value)) != 0) {
            return pushNilError(L, socketErrorText(errno));
        }
        lua_pushboolean(L, 1);
        return 1;
    }
    int value = 0;
    socklen_t len = sizeof(value);
    if (::getsockopt(fd, level, option, &value, &len) != 0) {
        return pushNilError(L, socketErrorText(errno));
    }
    lua_pushinteger(L, value);
    return 1;
}

int tcpSetOption(lua_State* L)
{
    return optionCall(L, true);
}

int tcpGetOption(lua_State* L)
{
    return optionCall(L, false);
}

int tcpSslHandshake(lua_State* L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    std::shared_ptr<TcpCosocket> s = tcpOf(L, 1);
    if (!s || !s->connected()) {
        return pushNilError(L, "closed");
    }
    return luaL_error(L, "sslhandshake: TLS cosockets are not supported by restyscope");
}

int tcpBind(lua_State* L)
{
    return luaL_error(L, "tcpsock:bind is not supported by restyscope");
}

int tcpSetClientCert(lua_State* L)
{
    return luaL_error(L, "tcpsock:setclientcert: TLS cosockets are not supported by restyscope");
}

} // namespace

void installTcpOptions(lua_State* L)
{
    setFunction(L, "bind", tcpBind);
    setFunction(L, "setclientcert", tcpSetClientCert);
    setFunction(L, "setoption", tcpSetOption);
    setFunction(L, "getoption", tcpGetOption);
    setFunction(L, "sslhandshake", tcpSslHandshake);
}

} // namespace restyscope::engine::api::cosocket
