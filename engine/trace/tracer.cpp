#include "engine/trace/tracer.h"

#include <algorithm>
#include <chrono>

namespace restyscope::engine::trace {

void Tracer::attach(EventSink* sink)
{
    if (sink != nullptr && std::find(m_sinks.begin(), m_sinks.end(), sink) == m_sinks.end()) {
        m_sinks.push_back(sink);
    }
    updateMask();
}

void Tracer::detach(EventSink* sink)
{
    m_sinks.erase(std::remove(m_sinks.begin(), m_sinks.end(), sink), m_sinks.end());
    updateMask();
}

void Tracer::setKindFilter(std::uint64_t kinds)
{
    m_filter = kinds & kAllEventKinds;
    updateMask();
}

void Tracer::updateMask()
{
    m_mask.store(m_sinks.empty() ? 0 : m_filter, std::memory_order_relaxed);
}

void Tracer::emitEvent(Event event)
{
    event.seq = ++m_seq;
    event.timeNs = nowNs();
    for (EventSink* sink : m_sinks) {
        sink->onEvent(event);
    }
}

void Tracer::emitEvent(EventKind kind, const ProbeFields& fields)
{
    Event event;
    event.kind = kind;
    event.requestId = fields.requestId;
    event.vmId = fields.vmId;
    event.coroutineId = fields.coroutineId;
    event.parentCoroutineId = fields.parentCoroutineId;
    event.reason = fields.yieldReason;
    event.value = fields.number;
    if (fields.keepTail) {
        event.setTextTail(fields.string);
    } else {
        event.setText(fields.string);
    }
    emitEvent(event);
}

std::int64_t Tracer::nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace restyscope::engine::trace
