// Cosocket receive ("*l", "*a", size), receiveany and the receiveuntil iterator. Each
// tries the syscall first, as nginx does, and parks the coroutine only when the socket
// would block; the read timeout keeps the connection, any other failure ends the reading
// side (later receives answer "closed").

#include "engine/api/apicommon.h"
#include "engine/api/socket.h"
#include "engine/sched/scheduler.h"

#include <asio/error.hpp>
#include <lua.hpp>

namespace restyscope::engine::api::cosocket {

namespace {

enum class Fill { Done, Closed, Failed, Again };

constexpr std::size_t kReadChunk = 16384;

struct ReadResult
{
    Fill status = Fill::Again;
    ReadOutcome outcome;
    std::string partial;
    int error = 0;
    bool progressed = false; // bytes arrived (nginx re-arms the read timer then)
};

// The receiveuntil iterator's own state: after a sized read ended at the pattern, the
// next call answers nil once (lua-nginx-module's state -1).
struct UntilState
{
    bool foundPending = false;
};

// A read that failed ends the reading side; the call answers with what was buffered.
ReadResult failed(TcpCosocket& s, const ReadSpec& spec, ReadResult result, int error)
{
    result.status = Fill::Failed;
    result.error = error;
    result.partial = partialOf(s.buffer, spec, true);
    s.readClosed = true;
    return result;
}

// Answers from the buffer, reading whatever the stream has without blocking.
ReadResult fill(TcpCosocket& s, const ReadSpec& spec)
{
    ReadResult result;
    char chunk[kReadChunk];
    for (;;) {
        result.outcome = consume(s.buffer, spec, s.eof);
        if (result.outcome.complete) {
            result.status = Fill::Done;
            return result;
        }
        if (s.eof) {
            result.status = Fill::Closed;
            break;
        }
        std::error_code ec;
        const std::size_t n = s.stream->readSome(chunk, sizeof(chunk), ec);
        if (!ec) {
            s.buffer.append(chunk, n);
            result.progressed = true;
        } else if (ec == asio::error::eof) {
            s.eof = true;
        } else if (ec == asio::error::would_block) {
            result.status = Fill::Again;
            return result;
        } else {
            return failed(s, spec, std::move(result), ec.value());
        }
    }
    result.partial = partialOf(s.buffer, spec, true);
    s.readClosed = true;
    return result;
}

int pushRead(lua_State* L, const ReadResult& result, const std::shared_ptr<UntilState>& until,
             const ReadSpec& spec)
{
    switch (result.status) {
    case Fill::Done:
        lua_pushlstring(L, result.outcome.data.data(), result.outcome.data.size());
        if (until && result.outcome.patternFound && spec.size > 0) {
            until->foundPending = true;
        }
        return 1;
    case Fill::Closed:
    case Fill::Failed: {
        lua_pushnil(L);
        const std::string error =
            result.status == Fill::Closed ? std::string("closed") : socketErrorText(result.error);
        lua_pushlstring(L, error.data(), error.size());
        lua_pushlstring(L, result.partial.data(), result.partial.size());
        return 3;
    }
    case Fill::Again: break;
    }
    return 0;
}

void logReadFailure(const std::shared_ptr<Waiter>& waiter, const ReadResult& result)
{
    if (result.status != Fill::Failed) {
        return;
    }
    if (auto ctx = waiter->ctx.lock()) {
        logSyscallError(*ctx, syscallFailed("recv()", result.error));
    }
}

// Waits for bytes with the read timeout. The timeout runs between two reads that bring
// bytes, not over the whole call: nginx re-arms it whenever bytes arrive and the answer is
// still incomplete, and each asyncReadSome is such a read.
void armRead(const std::shared_ptr<TcpCosocket>& s, const std::shared_ptr<Waiter>& waiter,
             const ReadSpec& spec, const std::shared_ptr<UntilState>& until)
{
    if (!s->readChunk) {
        s->readChunk = std::make_unique<char[]>(kReadChunk);
    }
    const int timeout = s->readTimeout > 0 ? s->readTimeout : s->settings.readTimeout;
    s->stream->asyncReadSome(
        s->readChunk.get(), kReadChunk, net::Timeout(timeout),
        [weak = std::weak_ptr(s), waiter, spec, until](const std::error_code& ec, std::size_t n) {
            auto s = weak.lock();
            if (!s || !waiter->active || s->readWaiter != waiter) {
                return;
            }
            if (ec == net::timedOut()) {
                s->readWaiter.reset();
                if (auto ctx = waiter->ctx.lock()) {
                    logSocketError(*ctx, "lua tcp socket read timed out");
                }
                std::string partial = partialOf(s->buffer, spec, false);
                wake(waiter, [partial = std::move(partial)](lua_State* co) {
                    lua_pushnil(co);
                    lua_pushliteral(co, "timeout");
                    lua_pushlstring(co, partial.data(), partial.size());
                    return 3;
                });
                return;
            }
            if (!s->stream) { // closed under the reader (the object was collected)
                s->readWaiter.reset();
                wake(waiter, [](lua_State* co) { return pushNilError(co, "closed"); });
                return;
            }
            ReadResult result;
            if (!ec) {
                s->buffer.append(s->readChunk.get(), n);
                result = fill(*s, spec);
            } else if (ec == asio::error::eof) {
                s->eof = true;
                result = fill(*s, spec);
            } else {
                result = failed(*s, spec, std::move(result), ec.value());
            }
            if (result.status == Fill::Again) {
                armRead(s, waiter, spec, until); // bytes came: a new timeout
                return;
            }
            s->readWaiter.reset();
            logReadFailure(waiter, result);
            wake(waiter, [result = std::move(result), until, spec](lua_State* co) {
                return pushRead(co, result, until, spec);
            });
        });
}

// Reads spec now, or parks until it can be answered or the read timeout passes.
int startRead(lua_State* L, sched::RequestCtx& ctx, const std::shared_ptr<TcpCosocket>& s,
              const ReadSpec& spec, const std::shared_ptr<UntilState>& until)
{
    ReadResult now = fill(*s, spec);
    if (now.status != Fill::Again) {
        if (now.status == Fill::Failed) {
            logSyscallError(ctx, syscallFailed("recv()", now.error));
        }
        return pushRead(L, now, until, spec);
    }
    auto waiter = newWaiter(L, ctx);
    s->readWaiter = waiter;
    armRead(s, waiter, spec, until);
    waiter->anchor = s;
    return park(L, ctx, waiter, "recv " + s->peer, [weak = std::weak_ptr(s), waiter] {
        waiter->active = false;
        // A killed reader takes the connection with it (nginx finalizes the socket).
        if (auto s = weak.lock(); s && s->readWaiter == waiter) {
            s->readWaiter.reset();
            s->closeStream();
        }
    });
}

// The checks every read makes: nil, "closed" (logged) for a socket without a connection.
std::shared_ptr<TcpCosocket> readableSocket(lua_State* L, sched::RequestCtx& ctx, int index,
                                            bool logClosed, int& nret)
{
    std::shared_ptr<TcpCosocket> s = tcpOf(L, index);
    if (!s || !s->connected() || s->readClosed) {
        if (logClosed) {
            logClosedSocket(ctx, "receive", s.get());
        }
        nret = pushNilError(L, "closed");
        return nullptr;
    }
    if (s->requestId != ctx.requestId) {
        luaL_error(L, "bad request");
    }
    if (s->connectWaiter) {
        nret = pushNilError(L, "socket busy connecting");
        return nullptr;
    }
    if (s->readWaiter) {
        nret = pushNilError(L, "socket busy reading");
        return nullptr;
    }
    return s;
}

// receive's and receiveany's checks before their arguments: a yieldable context, the
// object, a readable socket (else nullptr with nret results pushed).
std::shared_ptr<TcpCosocket> receivingSocket(lua_State* L, sched::RequestCtx*& ctx, int& nret)
{
    ctx = &requireContext(L, sched::kContextYieldable);
    luaL_checktype(L, 1, LUA_TTABLE);
    return readableSocket(L, *ctx, 1, true, nret);
}

int tcpReceive(lua_State* L)
{
    const int n = lua_gettop(L);
    if (n != 1 && n != 2) {
        return luaL_error(L, "expecting 1 or 2 arguments (including the object), but got %d", n);
    }
    sched::RequestCtx* ctx = nullptr;
    int nret = 0;
    std::shared_ptr<TcpCosocket> s = receivingSocket(L, ctx, nret);
    if (!s) {
        return nret;
    }
    ReadSpec spec;
    if (n == 2) {
        const int type = lua_isnumber(L, 2) ? LUA_TNUMBER : lua_type(L, 2);
        if (type == LUA_TSTRING) {
            std::size_t len = 0;
            const char* pattern = lua_tolstring(L, 2, &len);
            if (len != 2 || pattern[0] != '*') {
                return luaL_argerror(L, 2, lua_pushfstring(L, "bad pattern argument: %s", pattern));
            }
            if (pattern[1] == 'l') {
                spec.mode = ReadMode::Line;
            } else if (pattern[1] == 'a') {
                spec.mode = ReadMode::All;
            } else {
                return luaL_argerror(L, 2, "bad pattern argument");
            }
        } else if (type == LUA_TNUMBER) {
            const auto bytes = static_cast<long long>(lua_tointeger(L, 2));
            if (bytes < 0) {
                return luaL_argerror(L, 2, "bad pattern argument");
            }
            if (bytes == 0) {
                lua_pushliteral(L, "");
                return 1;
            }
            spec.mode = ReadMode::Size;
            spec.size = static_cast<std::size_t>(bytes);
        } else {
            return luaL_argerror(L, 2, "bad pattern argument");
        }
    }
    return startRead(L, *ctx, s, spec, nullptr);
}

int tcpReceiveAny(lua_State* L)
{
    if (lua_gettop(L) != 2) {
        return luaL_error(L, "expecting 2 arguments (including the object), but got %d",
                          lua_gettop(L));
    }
    sched::RequestCtx* ctx = nullptr;
    int nret = 0;
    std::shared_ptr<TcpCosocket> s = receivingSocket(L, ctx, nret);
    if (!s) {
        return nret;
    }
    if (!lua_isnumber(L, 2)) {
        return luaL_argerror(L, 2, "bad max argument");
    }
    const auto max = static_cast<long long>(lua_tointeger(L, 2));
    if (max <= 0) {
        return luaL_argerror(L, 2, "bad max argument");
    }
    ReadSpec spec;
    spec.mode = ReadMode::Any;
    spec.size = static_cast<std::size_t>(max);
    return startRead(L, *ctx, s, spec, nullptr);
}

/* upvalues: cosocket, pattern, state, inclusive */
int untilIterator(lua_State* L)
{
    const int n = lua_gettop(L);
    if (n > 1) {
        return luaL_error(L, "expecting 0 or 1 arguments, but seen %d", n);
    }
    long long size = 0;
    if (n == 1) {
        size = static_cast<long long>(luaL_checkinteger(L, 1));
        size = size < 0 ? 0 : size;
    }
    std::shared_ptr<TcpCosocket> s = tcpOf(L, lua_upvalueindex(1));
    if (!s || !s->connected() || s->readClosed) {
        return pushNilError(L, "closed");
    }
    sched::RequestCtx& ctx = checkRequest(L);
    int nret = 0;
    s = readableSocket(L, ctx, lua_upvalueindex(1), false, nret);
    if (!s) {
        return nret;
    }
    auto* holder =
        static_cast<std::shared_ptr<UntilState>*>(lua_touserdata(L, lua_upvalueindex(3)));
    std::shared_ptr<UntilState> state = *holder;
    if (state->foundPending) {
        state->foundPending = false;
        lua_pushnil(L);
        lua_pushnil(L);
        lua_pushnil(L);
        return 3;
    }
    ReadSpec spec;
    spec.mode = ReadMode::Until;
    std::size_t len = 0;
    const char* pattern = lua_tolstring(L, lua_upvalueindex(2), &len);
    spec.pattern.assign(pattern, len);
    spec.size = static_cast<std::size_t>(size);
    spec.inclusive = lua_toboolean(L, lua_upvalueindex(4)) != 0;
    lua_settop(L, 0);
    return startRead(L, ctx, s, spec, state);
}

int untilStateGc(lua_State* L)
{
    auto* holder = static_cast<std::shared_ptr<UntilState>*>(lua_touserdata(L, 1));
    if (holder) {
        holder->~shared_ptr();
    }
    return 0;
}

int tcpReceiveUntil(lua_State* L)
{
    const int n = lua_gettop(L);
    if (n != 2 && n != 3) {
        return luaL_error(L, "expecting 2 or 3 arguments (including the object), but got %d", n);
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    bool inclusive = false;
    if (n == 3) {
        luaL_checktype(L, 3, LUA_TTABLE);
        lua_getfield(L, 3, "inclusive");
        switch (lua_type(L, -1)) {
        case LUA_TNIL: break;
        case LUA_TBOOLEAN: inclusive = lua_toboolean(L, -1) != 0; break;
        default:
            return luaL_error(L, "bad \"inclusive\" option value type: %s", luaL_typename(L, -1));
        }
        lua_pop(L, 1);
    }
    checkRequest(L);
    std::size_t len = 0;
    luaL_checklstring(L, 2, &len);
    if (len == 0) {
        return pushNilError(L, "pattern is empty");
    }
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    void* memory = lua_newuserdata(L, sizeof(std::shared_ptr<UntilState>));
    new (memory) std::shared_ptr<UntilState>(std::make_shared<UntilState>());
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, untilStateGc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    lua_pushboolean(L, inclusive ? 1 : 0);
    lua_pushcclosure(L, untilIterator, 4);
    return 1;
}

} // namespace

void installTcpReceive(lua_State* L)
{
    setFunction(L, "receive", tcpReceive);
    setFunction(L, "receiveany", tcpReceiveAny);
    setFunction(L, "receiveuntil", tcpReceiveUntil);
}

} // namespace restyscope::engine::api::cosocket
