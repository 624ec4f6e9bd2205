#pragma once
// Design: what history/ keeps of one request (or timer, or subrequest) after it ends, folded
// from its probe events alone: its coroutines with their lives, every run and every wait
// (a yield to the next resume) with its reason, what it waited on and, when the event says,
// the Lua file:line of the yield. Plain values: the UI copies what it draws.

#include "engine/trace/event.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace restyscope::engine::history {

// A Lua source position ("lua/threads.lua", 15); line 0: unknown.
struct SourcePos
{
    std::string file;
    int line = 0;

    bool known() const { return line > 0; }
};

// One stretch of a coroutine's life: it runs from a resume to its next yield or finish, and
// waits from a yield to its next resume.
struct Span
{
    enum class Kind : std::uint8_t { Run, Wait };

    Kind kind = Kind::Run;
    trace::YieldReason reason = trace::YieldReason::None; // why it waits (Wait only)
    bool open = true;                                     // no end seen yet
    std::int64_t beginNs = 0;
    std::int64_t endNs = 0; // while open: 0 (it lasts until the record's endNs)
    std::uint64_t beginSeq = 0;
    std::uint64_t endSeq = 0;
    std::string waitedOn;      // "sleep 200 ms", "user thread 3", "GET /sub", or the event's text
    SourcePos source;          // where the yield happened, when the event carries it
    std::uint32_t wokenBy = 0; // the coroutine whose finish ended this wait, when known
};

enum class CoroutineState : std::uint8_t {
    Running,   // resumed, not yet yielded
    Waiting,   // yielded (or created and not yet resumed)
    Finished,  // returned
    Failed,    // ended with an error
    Killed,    // ngx.thread.kill, or killed with its request (exit, exec)
    Abandoned, // still suspended when its request ended
};
std::string_view coroutineStateName(CoroutineState state);

struct CoroutineRecord
{
    std::uint32_t id = 0;
    std::uint32_t parent = 0; // 0: none (entry and timer threads)
    trace::CoroutineType type = trace::CoroutineType::Entry;
    std::uint32_t vm = 0;
    CoroutineState state = CoroutineState::Waiting;
    std::int64_t createdNs = 0;
    std::int64_t endedNs = 0; // 0 while alive
    std::uint64_t createdSeq = 0;
    int resumes = 0;
    std::string error; // the finish event's error message
    SourcePos errorAt; // parsed from the message's "file:line:" head
    std::vector<Span> spans;
    std::string pendingWait; // folding: "sleep 200 ms" from SleepArmed, for the next yield
};

struct PhaseMark
{
    std::string name; // "rewrite", "access", "content"
    std::int64_t ns = 0;
};

struct ErrorMark
{
    std::uint32_t coroutine = 0; // 0: a log line of the request
    std::int64_t ns = 0;
    std::string text;
    SourcePos source;
};

enum class RecordKind : std::uint8_t { Request, Subrequest, Timer };
std::string_view recordKindName(RecordKind kind);

struct RequestRecord
{
    std::uint64_t id = 0;
    RecordKind kind = RecordKind::Request;
    std::uint64_t parentRequest = 0;        // a subrequest's parent
    std::vector<std::uint64_t> subrequests; // in start order
    std::string request;                    // "GET /api/threads"
    std::int64_t connection = 0;
    std::uint32_t vm = 0;
    std::int64_t beginNs = 0;
    std::int64_t endNs = 0; // the end, or while running the last event's time
    std::uint64_t firstSeq = 0;
    std::uint64_t lastSeq = 0;
    bool done = false;
    bool partial = false;    // its begin was not seen (a trace cut in the middle)
    bool eventsLost = false; // the ring dropped events while it ran
    int status = 0;
    std::vector<PhaseMark> phases;
    std::vector<CoroutineRecord> coroutines; // in creation order
    std::uint64_t outputBytes = 0;
    std::uint32_t outputCalls = 0;
    std::vector<ErrorMark> errors;
    std::string ending;               // "exit 404", "exec /other", "redirect 302 /x"
    std::vector<trace::Event> events; // its raw events, when History keeps them
    std::string pendingSubrequests;   // folding: "GET /a, GET /b" for the next yield
    std::uint32_t lastFinished = 0;   // folding: the coroutine that finished last
    std::uint64_t lastFinishedSeq = 0;
    std::size_t bytes = 0; // the memory it holds, approximately

    const CoroutineRecord* coroutine(std::uint32_t id) const;
    std::int64_t durationNs() const { return endNs - beginNs; }
};

// Splits a yield event's text into what the coroutine waits on and the Lua position, which
// the text ends with when the engine adds it ("user thread 3 at lua/threads.lua:15",
// "lua/x.lua:7"). value is the event's integer: a line when the text is a bare file.
void splitYieldText(std::string_view text, std::int64_t value, std::string& waitedOn,
                    SourcePos& source);
// The "file:line:" head of a Lua error message.
SourcePos errorSource(std::string_view message);

} // namespace restyscope::engine::history
