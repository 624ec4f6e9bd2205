// Cosocket send: strings, numbers, booleans, nil and arrays of them, written at once when
// the socket takes them, else the coroutine parks until it does or the send timeout
// passes (a failure ends the writing side: later sends answer "closed").

#include "engine/api/apicommon.h"
#include "engine/api/output.h"
#include "engine/api/socket.h"
#include "engine/sched/scheduler.h"

#include <asio/error.hpp>
#include <lua.hpp>

#include <cerrno>
#include <cmath>

namespace restyscope::engine::api::cosocket {

namespace {

// send's data: a string, number, boolean, nil, or an array of strings and numbers (nested).
bool appendSendTable(lua_State* L, int index, std::string& out, const char*& bad)
{
    const std::size_t length = lua_objlen(L, index);
    std::size_t keys = 0;
    lua_pushnil(L);
    while (lua_next(L, index) != 0) {
        ++keys;
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TNUMBER || lua_tonumber(L, -1) < 1 ||
            lua_tonumber(L, -1) > static_cast<double>(length) ||
            lua_tonumber(L, -1) != std::floor(lua_tonumber(L, -1))) {
            lua_pop(L, 1);
            bad = "non-array table found";
            return false;
        }
    }
    (void)keys;
    for (std::size_t i = 1; i <= length; ++i) {
        lua_rawgeti(L, index, static_cast<int>(i));
        const int type = lua_type(L, -1);
        if (type == LUA_TSTRING || type == LUA_TNUMBER) {
            if (type == LUA_TNUMBER) {
                appendNumber(lua_tonumber(L, -1), out);
            } else {
                std::size_t len = 0;
                const char* text = lua_tolstring(L, -1, &len);
                out.append(text, len);
            }
        } else if (type == LUA_TTABLE) {
            if (!appendSendTable(L, lua_gettop(L), out, bad)) {
                lua_pop(L, 1);
                return false;
            }
        } else {
            bad = lua_pushfstring(L, "bad data type %s found", lua_typename(L, type));
            lua_remove(L, -2);
            return false;
        }
        lua_pop(L, 1);
    }
    return true;
}

} // namespace

void sendData(lua_State* L, int index, std::string& out)
{
    switch (lua_type(L, index)) {
    case LUA_TNUMBER: appendNumber(lua_tonumber(L, index), out); break;
    case LUA_TSTRING: {
        std::size_t len = 0;
        const char* text = lua_tolstring(L, index, &len);
        out.assign(text, len);
        break;
    }
    case LUA_TTABLE: {
        const char* bad = nullptr;
        if (!appendSendTable(L, index, out, bad)) {
            luaL_argerror(L, index, bad);
        }
        break;
    }
    case LUA_TNIL: out.assign("nil"); break;
    case LUA_TBOOLEAN: out.assign(lua_toboolean(L, index) ? "true" : "false"); break;
    default:
        luaL_argerror(L, index,
                      lua_pushfstring(L,
                                      "string, number, boolean, nil, or array table expected, "
                                      "got %s",
                                      luaL_typename(L, index)));
    }
}

namespace {

// Writes the rest of data (from offset) once the socket takes it. The send timeout, like
// the read timeout, runs between two writes that make progress (the stream's asyncWrite).
void armWrite(const std::shared_ptr<TcpCosocket>& s, const std::shared_ptr<Waiter>& waiter,
              std::shared_ptr<std::string> data, std::size_t offset)
{
    const int timeout = s->sendTimeout > 0 ? s->sendTimeout : s->settings.sendTimeout;
    const std::size_t total = data->size();
    s->stream->asyncWrite(
        data->data() + offset, total - offset, net::Timeout(timeout),
        [weak = std::weak_ptr(s), waiter, data, total](const std::error_code& ec, std::size_t) {
            auto s = weak.lock();
            if (!s || !waiter->active || s->writeWaiter != waiter) {
                return;
            }
            s->writeWaiter.reset();
            if (ec == net::timedOut()) {
                s->writeClosed = true;
                if (auto ctx = waiter->ctx.lock()) {
                    logSocketError(*ctx, "lua tcp socket write timed out");
                }
                wake(waiter, [](lua_State* co) { return pushNilError(co, "timeout"); });
                return;
            }
            // Closed under the writer: the write fails as on a connection gone.
            const int error = !ec                                                  ? 0
                              : ec == asio::error::operation_aborted || !s->stream ? EPIPE
                                                                                   : ec.value();
            if (error) {
                s->writeClosed = true;
            }
            wake(waiter, [error, total](lua_State* co) {
                if (error) {
                    return pushNilError(co, socketErrorText(error));
                }
                lua_pushinteger(co, static_cast<lua_Integer>(total));
                return 1;
            });
        });
}

int tcpSend(lua_State* L)
{
    if (lua_gettop(L) != 2) {
        return luaL_error(L, "expecting 2 arguments (including the object), but got %d",
                          lua_gettop(L));
    }
    sched::RequestCtx& ctx = requireContext(L, sched::kContextYieldable);
    luaL_checktype(L, 1, LUA_TTABLE);
    std::shared_ptr<TcpCosocket> s = tcpOf(L, 1);
    if (!s || !s->connected() || s->writeClosed) {
        logClosedSocket(ctx, "send", s.get());
        return pushNilError(L, "closed");
    }
    if (s->requestId != ctx.requestId) {
        return luaL_error(L, "bad request");
    }
    if (s->connectWaiter) {
        return pushNilError(L, "socket busy connecting");
    }
    if (s->writeWaiter) {
        return pushNilError(L, "socket busy writing");
    }
    auto data = std::make_shared<std::string>();
    sendData(L, 2, *data);
    const std::size_t total = data->size();
    if (total == 0) {
        lua_pushinteger(L, 0);
        return 1;
    }
    std::size_t sent = 0;
    while (sent < total) {
        std::error_code ec;
        sent += s->stream->writeSome(data->data() + sent, total - sent, ec);
        if (ec == asio::error::would_block) {
            break;
        }
        if (ec) {
            s->writeClosed = true;
            return pushNilError(L, socketErrorText(ec.value()));
        }
    }
    if (sent == total) {
        lua_pushinteger(L, static_cast<lua_Integer>(total));
        return 1;
    }
    auto waiter = newWaiter(L, ctx);
    s->writeWaiter = waiter;
    armWrite(s, waiter, data, sent);
    waiter->anchor = s;
    return park(L, ctx, waiter, "send " + s->peer, [weak = std::weak_ptr(s), waiter] {
        waiter->active = false;
        if (auto s = weak.lock(); s && s->writeWaiter == waiter) {
            s->writeWaiter.reset();
            s->closeStream();
        }
    });
}

} // namespace

void installTcpSend(lua_State* L)
{
    setFunction(L, "send", tcpSend);
}

} // namespace restyscope::engine::api::cosocket
