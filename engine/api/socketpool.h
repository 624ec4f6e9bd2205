#pragma once
// Design: the cosocket keepalive pool of one VM. lua-nginx-module keeps it in the VM's
// registry, so requests of one VM share it and a fresh VM (lua_code_cache off) starts
// empty. Idle connections are kept per key, most recently used first; each one is watched
// for a peer close or stray bytes (then dropped) and for its keepalive timeout.

#include "engine/api/socket.h"

#include <memory>
#include <string>

struct lua_State;

namespace restyscope::engine::api::cosocket {

struct PoolState;

class SocketPool
{
public:
    // The pool of L's VM, created on first use.
    static SocketPool& of(lua_State* L, asio::io_context& io);

    // Takes the most recently pooled idle connection of key; null when there is none.
    std::unique_ptr<Stream> take(const std::string& key, int& reusedTimes);
    // Keeps stream idle under key for timeoutMs (0: no limit). A full pool (capacity set by
    // its first put) closes its least recently used connection.
    void put(const std::string& key, std::unique_ptr<Stream> stream, int reusedTimes, int timeoutMs,
             int capacity);
    std::size_t idleCount(const std::string& key) const;

    explicit SocketPool(asio::io_context& io);
    ~SocketPool();
    SocketPool(const SocketPool&) = delete;
    SocketPool& operator=(const SocketPool&) = delete;

private:
    std::shared_ptr<PoolState> m_state;
};

} // namespace restyscope::engine::api::cosocket
