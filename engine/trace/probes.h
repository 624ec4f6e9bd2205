#pragma once
// Design: the one list of probe points. It mirrors lua-nginx-module's dtrace provider
// (dtrace/ngx_lua_provider.d: coroutine create/resume/yield, user thread spawn/delete/wait,
// run posted thread, coroutine done) plus the loader and request events of DESIGN.md
// "Events". Each X-macro below generates an enum, its name table and, for event kinds, the
// bit the emission guard tests; a probe is added here and nowhere else.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

// X(Enumerator, "name shown in traces")
#define RESTYSCOPE_EVENT_KINDS(X)                                                                  \
    X(RequestBegin, "request begin") /* text: "GET /uri"; value: connection serial */              \
    X(RequestEnd, "request end")     /* value: final status */                                     \
    X(PhaseEnter, "phase enter")     /* text: phase name ("rewrite", "content", ...) */            \
    X(VmCreate, "vm create")         /* text: "main" or "request"; value: memory bytes */          \
    X(VmClose, "vm close")           /* value: memory bytes just before lua_close */               \
    X(CacheLookup, "cache lookup")   /* text: cache key; value: directive ref */                   \
    X(CacheHit, "cache hit")         /* text: cache key; value: ref */                             \
    X(CacheMiss, "cache miss")       /* text: cache key; value: ref */                             \
    X(CacheStore, "cache store")     /* text: cache key; value: new ref (-2: by key) */            \
    X(FileLoad, "file load")         /* text: absolute path; value: bytes read */                  \
    X(CoroutineCreate, "create")     /* value: CoroutineType */                                    \
    X(CoroutineResume, "resume")     /* value: number of values passed */                          \
    X(CoroutineYield, "yield")       /* reason: YieldReason */                                     \
    X(CoroutineFinish, "finish")     /* value: 1 ok, 0 error; text: error message */               \
    X(CoroutineKill, "kill")                                                                       \
    X(ThreadPost, "post")     /* a thread appended to the posted queue */                          \
    X(ThreadUnpost, "unpost") /* taken off the posted queue */                                     \
    X(RunPosted, "run posted")                                                                     \
    X(SleepArmed, "sleep armed") /* value: milliseconds */                                         \
    X(TimerFired, "timer fired")                                                                   \
    X(LogLine, "log")       /* value: LogLevel; text: message head */                              \
    X(Output, "output")     /* value: bytes */                                                     \
    X(Exit, "exit")         /* value: status */                                                    \
    X(Exec, "exec")         /* text: target uri */                                                 \
    X(Redirect, "redirect") /* value: status; text: location */                                    \
    X(DebuggerPaused, "debugger paused")                                                           \
    X(EventsDropped, "events dropped") /* value: events lost since the last report */              \
    X(SubrequestBegin, "subrequest")   /* after its RequestBegin; value: parent request id */      \
    X(HandlerEnter, "handler enter")   /* text: "phase module" ("rewrite lua"); value: phase */    \
    X(HandlerLeave, "handler leave")   /* text: as HandlerEnter; value: the handler's rc */

// What a coroutine waits for when it yields; mirrors lua-nginx-module's co_op and ctx flags.
#define RESTYSCOPE_YIELD_REASONS(X)                                                                \
    X(None, "none")                                                                                \
    X(Sleep, "sleep")                                                                              \
    X(ThreadSpawn, "thread spawn")                                                                 \
    X(ThreadWait, "thread wait")                                                                   \
    X(CoroutineResume, "coroutine resume")                                                         \
    X(CoroutineYield, "coroutine yield")                                                           \
    X(Socket, "socket")                                                                            \
    X(RequestBody, "request body")                                                                 \
    X(Flush, "flush")                                                                              \
    X(Exit, "exit")                                                                                \
    X(Exec, "exec")                                                                                \
    X(Redirect, "redirect")                                                                        \
    X(Subrequest, "subrequest")                                                                    \
    X(Semaphore, "semaphore")

// The value of a CoroutineCreate event.
#define RESTYSCOPE_COROUTINE_TYPES(X)                                                              \
    X(Entry, "entry")                                                                              \
    X(UserThread, "user thread")                                                                   \
    X(UserCoroutine, "user coroutine")                                                             \
    X(Timer, "timer")

namespace restyscope::engine::trace {

#define RESTYSCOPE_X_ENUMERATOR(name, text) name,
#define RESTYSCOPE_X_NAME(name, text) std::string_view(text),

enum class EventKind : std::uint8_t { RESTYSCOPE_EVENT_KINDS(RESTYSCOPE_X_ENUMERATOR) };
enum class YieldReason : std::uint8_t { RESTYSCOPE_YIELD_REASONS(RESTYSCOPE_X_ENUMERATOR) };
enum class CoroutineType : std::uint8_t { RESTYSCOPE_COROUTINE_TYPES(RESTYSCOPE_X_ENUMERATOR) };

inline constexpr std::array kEventKindNames{RESTYSCOPE_EVENT_KINDS(RESTYSCOPE_X_NAME)};
inline constexpr std::array kYieldReasonNames{RESTYSCOPE_YIELD_REASONS(RESTYSCOPE_X_NAME)};
inline constexpr std::array kCoroutineTypeNames{RESTYSCOPE_COROUTINE_TYPES(RESTYSCOPE_X_NAME)};

#undef RESTYSCOPE_X_ENUMERATOR
#undef RESTYSCOPE_X_NAME

inline constexpr std::size_t kEventKindCount = kEventKindNames.size();
inline constexpr std::size_t kYieldReasonCount = kYieldReasonNames.size();
inline constexpr std::size_t kCoroutineTypeCount = kCoroutineTypeNames.size();

// The guard keeps one bit per kind in a 64-bit mask.
static_assert(kEventKindCount <= 64, "the probe guard mask holds 64 kinds");

constexpr std::string_view eventKindName(EventKind kind)
{
    const auto i = static_cast<std::size_t>(kind);
    return i < kEventKindCount ? kEventKindNames[i] : std::string_view("?");
}

constexpr std::string_view yieldReasonName(YieldReason reason)
{
    const auto i = static_cast<std::size_t>(reason);
    return i < kYieldReasonCount ? kYieldReasonNames[i] : std::string_view("?");
}

constexpr std::string_view coroutineTypeName(CoroutineType type)
{
    const auto i = static_cast<std::size_t>(type);
    return i < kCoroutineTypeCount ? kCoroutineTypeNames[i] : std::string_view("?");
}

constexpr std::uint64_t eventKindBit(EventKind kind)
{
    return std::uint64_t{1} << static_cast<unsigned>(kind);
}

inline constexpr std::uint64_t kAllEventKinds =
    kEventKindCount == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << kEventKindCount) - 1;

} // namespace restyscope::engine::trace

// The emission guard: one relaxed load and a branch when nobody listens; the fields (and
// their arguments) are only evaluated when the kind is enabled. KIND is an enumerator of the
// list above, the rest a chain of trace::ProbeFields setters:
//   RESTYSCOPE_PROBE(tracer, CacheHit, .vm(id).value(ref).text(key));
#define RESTYSCOPE_PROBE(tracer, KIND, ...)                                                        \
    do {                                                                                           \
        if ((tracer).enabled(::restyscope::engine::trace::EventKind::KIND)) {                      \
            (tracer).emitEvent(::restyscope::engine::trace::EventKind::KIND,                       \
                               ::restyscope::engine::trace::ProbeFields() __VA_ARGS__);            \
        }                                                                                          \
    } while (0)
