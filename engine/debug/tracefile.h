#pragma once
// Design: trace files. A TraceWriter drains the probe stream through an EventRing on its
// own thread into a JSON Lines file (one event per line, docs/trace-format.md), so the
// engine thread never waits on the disk. readTrace() turns such a file back into events
// (the GUI reopens traces offline), and toChromeTrace() renders them in the Chrome trace
// event format that Perfetto opens: a process per request, a track per coroutine, runs as
// slices and yields as instant events.

#include "engine/trace/event.h"

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace restyscope::engine::trace {
class EventRing;
class Tracer;
} // namespace restyscope::engine::trace

namespace restyscope::engine::debug {

class TraceWriter
{
public:
    TraceWriter();
    ~TraceWriter();
    TraceWriter(const TraceWriter&) = delete;
    TraceWriter& operator=(const TraceWriter&) = delete;

    // Engine thread: opens path and attaches to tracer. False with a message on failure.
    bool start(const std::string& path, trace::Tracer& tracer, std::string& error);
    // Engine thread: detaches, writes what is left and closes the file.
    void stop();
    std::uint64_t written() const { return m_written.load(); }

private:
    void drainLoop();
    std::size_t drainOnce();

    std::unique_ptr<trace::EventRing> m_ring;
    trace::Tracer* m_tracer = nullptr;
    std::FILE* m_file = nullptr;
    std::thread m_thread;
    std::atomic<bool> m_running{false};
    std::atomic<std::uint64_t> m_written{0};
    std::vector<trace::Event> m_batch; // writer thread: reused between drains
    std::string m_text;
};

// Parses a JSON Lines trace written by TraceWriter. False with "line N: ..." on bad input.
bool readTrace(const std::string& path, std::vector<trace::Event>& events, std::string& error);
bool parseTraceLine(const std::string& line, trace::Event& event, std::string& error);

// The Chrome trace event format (a JSON object with "traceEvents").
std::string toChromeTrace(const std::vector<trace::Event>& events);

} // namespace restyscope::engine::debug
