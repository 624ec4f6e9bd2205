#include "engine/net/keepalivepool.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>

namespace restyscope::engine::net {

namespace {

struct Idle
{
    std::unique_ptr<Stream> stream;
    int reusedTimes = 0;
    // When its idle timeout ends it (a spurious wake re-watches for what is left).
    std::chrono::steady_clock::time_point deadline{};
};

} // namespace

struct KeepalivePool::State : std::enable_shared_from_this<KeepalivePool::State>
{
    struct Key
    {
        std::size_t capacity = 0;
        std::deque<std::shared_ptr<Idle>> idle; // front: most recently used
    };
    std::map<std::string, Key> keys;

    void drop(const std::string& key, std::shared_ptr<Idle> item) // by value: it may be an element
    {
        auto it = keys.find(key);
        if (it == keys.end()) {
            return;
        }
        std::erase(it->second.idle, item);
        item->stream.reset();
    }

    // Anything readable on an idle connection (a close, stray bytes), or its idle timeout,
    // ends it.
    void watch(const std::string& key, const std::shared_ptr<Idle>& item)
    {
        Timeout timeout = kNoTimeout;
        if (item->deadline != std::chrono::steady_clock::time_point{}) {
            const auto left =
                std::chrono::ceil<Timeout>(item->deadline - std::chrono::steady_clock::now());
            timeout = std::max(left, Timeout(0));
        }
        item->stream->asyncWait(Wait::Read, timeout,
                                [weakState = weak_from_this(), weakItem = std::weak_ptr(item),
                                 key](const std::error_code& error) {
                                    auto state = weakState.lock();
                                    auto idle = weakItem.lock();
                                    if (!state || !idle || !idle->stream) {
                                        return; // taken, or the pool is gone
                                    }
                                    if (error == timedOut()) {
                                        state->drop(key, idle);
                                        return;
                                    }
                                    if (error) {
                                        return; // cancelled
                                    }
                                    if (idle->stream->peek() == Peek::Quiet) {
                                        state->watch(key, idle);
                                        return;
                                    }
                                    state->drop(key, idle);
                                });
    }
};

KeepalivePool::KeepalivePool() : m_state(std::make_shared<State>()) {}

KeepalivePool::~KeepalivePool()
{
    for (auto& [key, entry] : m_state->keys) {
        for (auto& item : entry.idle) {
            item->stream.reset();
        }
    }
}

std::unique_ptr<Stream> KeepalivePool::take(const std::string& key, int& reusedTimes)
{
    auto it = m_state->keys.find(key);
    if (it == m_state->keys.end() || it->second.idle.empty()) {
        return nullptr;
    }
    std::shared_ptr<Idle> item = it->second.idle.front();
    it->second.idle.pop_front();
    item->stream->cancel(); // the idle watch
    reusedTimes = item->reusedTimes + 1;
    return std::move(item->stream);
}

void KeepalivePool::put(const std::string& key, std::unique_ptr<Stream> stream, int reusedTimes,
                        Timeout idleTimeout, std::size_t capacity)
{
    State::Key& entry = m_state->keys[key];
    if (entry.capacity == 0) {
        entry.capacity = capacity > 0 ? capacity : 1;
    }
    while (entry.idle.size() >= entry.capacity) {
        m_state->drop(key, entry.idle.back());
    }
    auto item = std::make_shared<Idle>();
    item->stream = std::move(stream);
    item->reusedTimes = reusedTimes;
    if (idleTimeout.count() > 0 && idleTimeout != kNoTimeout) {
        item->deadline = std::chrono::steady_clock::now() + idleTimeout;
    }
    entry.idle.push_front(item);
    m_state->watch(key, item);
}

std::size_t KeepalivePool::idleCount(const std::string& key) const
{
    auto it = m_state->keys.find(key);
    return it == m_state->keys.end() ? 0 : it->second.idle.size();
}

} // namespace restyscope::engine::net
