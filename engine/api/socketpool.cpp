#include "engine/api/socketpool.h"

#include <lua.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <deque>
#include <map>

namespace restyscope::engine::api::cosocket {

namespace {

char g_poolKey; // registry[&g_poolKey] = userdata holding the VM's SocketPool*

struct Idle
{
    explicit Idle(asio::io_context& io) : timer(io) {}
    std::unique_ptr<Stream> stream;
    int reusedTimes = 0;
    asio::steady_timer timer;
};

int poolGc(lua_State* L)
{
    auto** slot = static_cast<SocketPool**>(lua_touserdata(L, 1));
    delete *slot;
    *slot = nullptr;
    return 0;
}

} // namespace

struct PoolState : std::enable_shared_from_this<PoolState>
{
    explicit PoolState(asio::io_context& io) : io(io) {}
    struct Key
    {
        std::size_t capacity = 0;
        std::deque<std::shared_ptr<Idle>> idle; // front: most recently used
    };
    asio::io_context& io;
    std::map<std::string, Key> keys;

    void drop(const std::string& key, std::shared_ptr<Idle> item) // by value: it may be an element
    {
        auto it = keys.find(key);
        if (it == keys.end()) {
            return;
        }
        std::erase(it->second.idle, item);
        item->timer.cancel();
        item->stream.reset();
    }

    // Anything readable on an idle connection (a close, stray bytes) ends it.
    void watch(const std::string& key, const std::shared_ptr<Idle>& item)
    {
        item->stream->async_wait(Stream::wait_read, [weakState = weak_from_this(),
                                                     weakItem = std::weak_ptr(item),
                                                     key](const std::error_code& error) {
            auto state = weakState.lock();
            auto idle = weakItem.lock();
            if (error || !state || !idle || !idle->stream) {
                return;
            }
            char byte = 0;
            const ssize_t n =
                ::recv(idle->stream->native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                state->watch(key, idle);
                return;
            }
            state->drop(key, idle);
        });
    }
};

SocketPool::SocketPool(asio::io_context& io) : m_state(std::make_shared<PoolState>(io)) {}

SocketPool::~SocketPool()
{
    for (auto& [key, entry] : m_state->keys) {
        for (auto& item : entry.idle) {
            item->timer.cancel();
            item->stream.reset();
        }
    }
}

SocketPool& SocketPool::of(lua_State* L, asio::io_context& io)
{
    lua_pushlightuserdata(L, &g_poolKey);
    lua_rawget(L, LUA_REGISTRYINDEX); /* stack: slot? */
    if (auto** slot = static_cast<SocketPool**>(lua_touserdata(L, -1)); slot && *slot) {
        lua_pop(L, 1);
        return **slot;
    }
    lua_pop(L, 1);
    lua_pushlightuserdata(L, &g_poolKey);
    auto** slot = static_cast<SocketPool**>(lua_newuserdata(L, sizeof(SocketPool*)));
    *slot = new SocketPool(io);
    lua_createtable(L, 0, 1); /* stack: key, slot, mt */
    lua_pushcfunction(L, poolGc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX); /* stack: (empty) */
    return **slot;
}

std::unique_ptr<Stream> SocketPool::take(const std::string& key, int& reusedTimes)
{
    auto it = m_state->keys.find(key);
    if (it == m_state->keys.end() || it->second.idle.empty()) {
        return nullptr;
    }
    std::shared_ptr<Idle> item = it->second.idle.front();
    it->second.idle.pop_front();
    item->timer.cancel();
    std::error_code ec;
    item->stream->cancel(ec); // the idle watch
    reusedTimes = item->reusedTimes + 1;
    return std::move(item->stream);
}

void SocketPool::put(const std::string& key, std::unique_ptr<Stream> stream, int reusedTimes,
                     int timeoutMs, int capacity)
{
    PoolState::Key& entry = m_state->keys[key];
    if (entry.capacity == 0) {
        entry.capacity = static_cast<std::size_t>(capacity > 0 ? capacity : kDefaultPoolSize);
    }
    while (entry.idle.size() >= entry.capacity) {
        m_state->drop(key, entry.idle.back());
    }
    auto item = std::make_shared<Idle>(m_state->io);
    item->stream = std::move(stream);
    item->reusedTimes = reusedTimes;
    entry.idle.push_front(item);
    if (timeoutMs > 0) {
        item->timer.expires_after(std::chrono::milliseconds(timeoutMs));
        item->timer.async_wait([weakState = std::weak_ptr(m_state), weakItem = std::weak_ptr(item),
                                key](const std::error_code& error) {
            auto state = weakState.lock();
            auto idle = weakItem.lock();
            if (!error && state && idle) {
                state->drop(key, idle);
            }
        });
    }
    m_state->watch(key, item);
}

std::size_t SocketPool::idleCount(const std::string& key) const
{
    auto it = m_state->keys.find(key);
    return it == m_state->keys.end() ? 0 : it->second.idle.size();
}

} // namespace restyscope::engine::api::cosocket
