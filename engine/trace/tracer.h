#pragma once
// Design: the emission point of every probe. A Tracer numbers events, stamps them with the
// monotonic clock and hands them to the attached sinks, in order. When no sink is attached
// (or a kind is filtered out) a probe costs one relaxed load and a branch: see
// RESTYSCOPE_PROBE in probes.h. Engine thread only: emitEvent() and the sinks run on the thread
// that owns the Lua states; only enabled() may be read from elsewhere.

#include "engine/trace/event.h"
#include "engine/trace/probes.h"

#include <atomic>
#include <cstdint>
#include <vector>

namespace restyscope::engine::trace {

class EventSink
{
public:
    virtual ~EventSink() = default;
    virtual void onEvent(const Event& event) = 0;
};

class Tracer
{
public:
    Tracer() = default;
    Tracer(const Tracer&) = delete;
    Tracer& operator=(const Tracer&) = delete;

    bool enabled() const { return m_mask.load(std::memory_order_relaxed) != 0; }
    bool enabled(EventKind kind) const
    {
        return (m_mask.load(std::memory_order_relaxed) & eventKindBit(kind)) != 0;
    }

    // Engine thread. A sink is attached once; detach it before destroying it, and never from
    // inside onEvent().
    void attach(EventSink* sink);
    void detach(EventSink* sink);
    // Which kinds are emitted while a sink is attached (default: all).
    void setKindFilter(std::uint64_t kinds);

    // Engine thread. Sets seq and timeNs and forwards to every sink in attach order.
    // (Not named emit: Qt defines that as a macro, and tests include Qt.)
    void emitEvent(Event event);
    void emitEvent(EventKind kind, const ProbeFields& fields);

    std::uint64_t lastSeq() const { return m_seq; }
    // Nanoseconds of the steady clock, the time base of Event::timeNs.
    static std::int64_t nowNs();

private:
    void updateMask();

    std::atomic<std::uint64_t> m_mask{0};
    std::uint64_t m_filter = kAllEventKinds;
    std::uint64_t m_seq = 0;
    std::vector<EventSink*> m_sinks;
};

} // namespace restyscope::engine::trace
