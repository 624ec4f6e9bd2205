#include "engine/trace/eventring.h"

namespace restyscope::engine::trace {

namespace {

std::size_t roundUpToPowerOfTwo(std::size_t n)
{
    std::size_t size = 2;
    while (size < n) {
        size <<= 1;
    }
    return size;
}

} // namespace

EventRing::EventRing(std::size_t capacity)
    : m_slots(std::make_unique<Event[]>(roundUpToPowerOfTwo(capacity))),
      m_mask(roundUpToPowerOfTwo(capacity) - 1)
{
}

bool EventRing::push(const Event& event)
{
    const std::size_t head = m_head.load(std::memory_order_relaxed);
    const std::size_t tail = m_tail.load(std::memory_order_acquire);
    if (head - tail > m_mask) {
        return false;
    }
    m_slots[head & m_mask] = event;
    m_head.store(head + 1, std::memory_order_release);
    return true;
}

void EventRing::onEvent(const Event& event)
{
    if (m_pendingDrops != 0) {
        // Report the loss first; it needs a slot of its own.
        Event dropped;
        dropped.seq = event.seq;
        dropped.timeNs = event.timeNs;
        dropped.kind = EventKind::EventsDropped;
        dropped.value = static_cast<std::int64_t>(m_pendingDrops);
        if (!push(dropped)) {
            ++m_pendingDrops;
            m_droppedTotal.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        m_pendingDrops = 0;
    }
    if (!push(event)) {
        ++m_pendingDrops;
        m_droppedTotal.fetch_add(1, std::memory_order_relaxed);
    }
}

std::size_t EventRing::drain(std::vector<Event>& out, std::size_t max)
{
    const std::size_t tail = m_tail.load(std::memory_order_relaxed);
    const std::size_t head = m_head.load(std::memory_order_acquire);
    const std::size_t count = std::min(head - tail, max);
    for (std::size_t i = 0; i < count; ++i) {
        out.push_back(m_slots[(tail + i) & m_mask]);
    }
    m_tail.store(tail + count, std::memory_order_release);
    return count;
}

} // namespace restyscope::engine::trace
