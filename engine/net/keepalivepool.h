#pragma once
// Design: idle connections kept for reuse, as lua-nginx-module's cosocket pool and nginx's
// upstream keepalive keep them. Connections are kept per key (a peer "host:port",
// "unix:/path", or a pool name), most recently used first, up to a capacity per key (set
// by the key's first put, as lua-nginx-module sizes a pool when it creates it); a full key
// closes its least recently used connection. Each idle connection is watched: anything
// readable (a close, stray bytes) or its idle timeout ends it. Who owns a pool decides its
// scope (the cosockets keep one per Lua VM). Engine thread only.

#include "engine/net/stream.h"

#include <cstddef>
#include <memory>
#include <string>

namespace restyscope::engine::net {

class KeepalivePool
{
public:
    KeepalivePool();
    ~KeepalivePool(); // closes every idle connection
    KeepalivePool(const KeepalivePool&) = delete;
    KeepalivePool& operator=(const KeepalivePool&) = delete;

    // The most recently kept connection of key, with the times it was reused before (its
    // reuse count so far plus this one); null when there is none.
    std::unique_ptr<Stream> take(const std::string& key, int& reusedTimes);
    // Keeps stream idle under key for idleTimeout (zero or kNoTimeout: no limit). capacity sizes
    // the key when this is its first connection.
    void put(const std::string& key, std::unique_ptr<Stream> stream, int reusedTimes,
             Timeout idleTimeout, std::size_t capacity);
    std::size_t idleCount(const std::string& key) const;

private:
    struct State;
    std::shared_ptr<State> m_state; // idle watches hold it weakly
};

} // namespace restyscope::engine::net
