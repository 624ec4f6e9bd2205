#pragma once
// Design: the bounded single-producer/single-consumer ring that carries probe events from
// the engine thread to one consumer (the UI bridge, a trace writer). The producer never
// blocks: when the ring is full it counts the event as dropped, and the next event that
// fits is preceded by an EventsDropped event carrying that count, so the consumer always
// learns how much it missed. Events are PODs with inline text, so nothing dangles.

#include "engine/trace/event.h"
#include "engine/trace/tracer.h"

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace restyscope::engine::trace {

class EventRing final : public EventSink
{
public:
    // capacity is rounded up to a power of two.
    explicit EventRing(std::size_t capacity = 1 << 16);

    // Producer side (engine thread): what the Tracer calls.
    void onEvent(const Event& event) override;

    // Consumer side (one other thread): moves up to max events into out; returns how many.
    std::size_t drain(std::vector<Event>& out, std::size_t max = static_cast<std::size_t>(-1));

    // Any thread.
    std::uint64_t droppedTotal() const { return m_droppedTotal.load(std::memory_order_relaxed); }
    std::size_t capacity() const { return m_mask + 1; }

private:
    bool push(const Event& event);

    std::unique_ptr<Event[]> m_slots;
    std::size_t m_mask;
    alignas(64) std::atomic<std::size_t> m_head{0}; // next slot the producer writes
    alignas(64) std::atomic<std::size_t> m_tail{0}; // next slot the consumer reads
    std::uint64_t m_pendingDrops = 0;               // producer-only
    std::atomic<std::uint64_t> m_droppedTotal{0};
};

} // namespace restyscope::engine::trace
