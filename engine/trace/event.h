#pragma once
// Design: one trace event, a trivially copyable value. The text is stored inline (truncated)
// so an event can be copied into a ring buffer and read on another thread with no pointer
// into engine memory.

#include "engine/trace/probes.h"

#include <cstdint>
#include <string_view>
#include <type_traits>

namespace restyscope::engine::trace {

struct Event
{
    static constexpr std::size_t kTextCapacity = 96; // bytes including the terminating NUL

    std::uint64_t seq = 0;       // 1, 2, 3 ... in emission order (per Tracer)
    std::int64_t timeNs = 0;     // steady (monotonic) clock
    std::uint64_t requestId = 0; // 0: no request (VM start-up, init_by_lua)
    std::uint32_t vmId = 0;
    std::uint32_t coroutineId = 0;
    std::uint32_t parentCoroutineId = 0;
    EventKind kind = EventKind::RequestBegin;
    YieldReason reason = YieldReason::None;
    bool textTruncated = false;
    std::uint8_t textLength = 0;
    std::int64_t value = 0;
    char text[kTextCapacity] = {};

    std::string_view textView() const { return {text, textLength}; }
    // Keeps the head of a long string.
    void setText(std::string_view s);
    // Keeps the tail, prefixed with "..." (paths: the file name is the informative part).
    void setTextTail(std::string_view s);
};

static_assert(std::is_trivially_copyable_v<Event>);
static_assert(Event::kTextCapacity - 1 <= 255, "textLength is one byte");

// The fields a probe site fills, set by chaining (Tracer::emitEvent adds seq, time, kind):
//   ProbeFields().vm(id).value(ref).text(key)
struct ProbeFields
{
    std::uint64_t requestId = 0;
    std::uint32_t vmId = 0;
    std::uint32_t coroutineId = 0;
    std::uint32_t parentCoroutineId = 0;
    YieldReason yieldReason = YieldReason::None;
    std::int64_t number = 0;
    std::string_view string;
    bool keepTail = false;

    ProbeFields& request(std::uint64_t id)
    {
        requestId = id;
        return *this;
    }
    ProbeFields& vm(std::uint32_t id)
    {
        vmId = id;
        return *this;
    }
    ProbeFields& coroutine(std::uint32_t id, std::uint32_t parent = 0)
    {
        coroutineId = id;
        parentCoroutineId = parent;
        return *this;
    }
    ProbeFields& reason(YieldReason r)
    {
        yieldReason = r;
        return *this;
    }
    ProbeFields& value(std::int64_t v)
    {
        number = v;
        return *this;
    }
    ProbeFields& text(std::string_view s)
    {
        string = s;
        keepTail = false;
        return *this;
    }
    ProbeFields& textTail(std::string_view s)
    {
        string = s;
        keepTail = true;
        return *this;
    }
};

} // namespace restyscope::engine::trace
