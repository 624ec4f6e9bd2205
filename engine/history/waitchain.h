#pragma once
// Design: "why is it stuck". For a request still running, the chain of waits from its entry
// thread down, from its record alone: "entry 1 thread wait 1.2 s -> user thread 3 sleep
// 120 ms of 200 ms at lua/x.lua:4". Whom a thread wait waits on is not in the events (until
// yields carry it), so the chain follows the waiting coroutine's live user threads; a
// coroutine resume follows the coroutine it resumed.

#include "engine/history/record.h"

#include <cstdint>
#include <string>

namespace restyscope::engine::history {

// Empty once the record is done. nowNs: the time to measure waits to (the steady clock for a
// live engine, the last event's time for a trace).
std::string waitChain(const RequestRecord& record, std::int64_t nowNs);

// "850 us", "12.3 ms", "1.2 s": the durations the chain prints.
std::string shortDuration(std::int64_t ns);

} // namespace restyscope::engine::history
