#pragma once
// Design: the request history (DESIGN.md "Request history and the timeline"). A consumer of
// the probe stream - the batches the UI drains, or a trace file read back - that folds each
// request's events into a RequestRecord which stays after the request ends. It never asks
// the engine anything, so a live session and a trace opened offline give the same records.
// Memory is bounded by a request count and a byte budget: the oldest records go first and
// evictedCount() says how many went. Not thread-safe: one consumer thread applies and reads.

#include "engine/history/record.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

namespace restyscope::engine::history {

struct Limits
{
    std::size_t maxRequests = 10000;
    std::size_t maxBytes = std::size_t{256} << 20;
    bool keepEvents = true; // each record keeps its raw events (Save trace, time travel)
};

class History
{
public:
    explicit History(Limits limits = {});
    ~History();
    History(const History&) = delete;
    History& operator=(const History&) = delete;
    History(History&&) noexcept = default;
    History& operator=(History&&) noexcept = default;

    void setLimits(const Limits& limits);
    const Limits& limits() const { return m_limits; }

    void apply(const trace::Event& event);
    void apply(const trace::Event* events, std::size_t count);
    void clear();

    // Records in arrival order, the oldest first.
    std::size_t size() const { return m_records.size(); }
    const RequestRecord& at(std::size_t index) const { return *m_records[index]; }
    const RequestRecord* find(std::uint64_t requestId) const;

    std::uint64_t evictedCount() const { return m_evicted; }
    std::size_t bytes() const { return m_bytes; }
    std::uint64_t lastSeq() const { return m_lastSeq; }

    // Every event still held (the records' and the engine-level ones), in seq order: what a
    // saved trace contains. Empty of request events when keepEvents is off.
    std::vector<trace::Event> events() const;

private:
    RequestRecord* recordFor(const trace::Event& event);
    RequestRecord& open(std::uint64_t id, std::int64_t ns, std::uint64_t seq);
    void fold(RequestRecord& record, const trace::Event& event);
    void endRecord(RequestRecord& record, std::int64_t ns);
    void account(RequestRecord& record, std::size_t newBytes);
    void evict();

    Limits m_limits;
    std::deque<std::unique_ptr<RequestRecord>> m_records;
    std::unordered_map<std::uint64_t, RequestRecord*> m_byId;
    // Ids evicted while still running: their later events are not a new (partial) record.
    std::deque<std::uint64_t> m_evictedLive;
    std::deque<trace::Event> m_engineEvents; // request 0: VM start-up, init_by_lua, cache
    std::uint64_t m_evicted = 0;
    std::size_t m_bytes = 0;
    std::uint64_t m_lastSeq = 0;
};

} // namespace restyscope::engine::history
