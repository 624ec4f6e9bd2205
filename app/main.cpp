// restyscope: the desktop GUI, headless engine, or config check, like nginx's own binary.

#include "app/commandline.h"
#include "app/debugstdio.h"
#include "engine/debug/tracefile.h"
#include "engine/engine.h"
#include "engine/trace/eventring.h"
#include "engine/trace/tracer.h"
#include "ui/gui.h"

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

namespace {

using restyscope::app::CommandLine;
using restyscope::engine::Engine;
using restyscope::engine::EngineOptions;

int testConfig(const CommandLine& line)
{
    EngineOptions options;
    options.prefix = line.prefix;
    options.confPath = line.confPath;
    Engine engine(options);
    std::string error;
    const bool ok = engine.loadConfig(error);
    for (const auto& notice : engine.configNotices()) {
        std::cerr << "restyscope: " << notice << '\n';
    }
    if (!ok) {
        std::cerr << "restyscope: " << error << '\n';
        // The conf path as nginx names it in its closing line.
        std::string conf = line.confPath;
        if (conf.empty() || conf.front() != '/') {
            conf = engine.prefix() + conf;
        }
        std::cerr << "restyscope: configuration file " << conf << " test failed\n";
        return 1;
    }
    std::cerr << "restyscope: the configuration file " << engine.confFile() << " syntax is ok\n";
    std::cerr << "restyscope: configuration file " << engine.confFile() << " test is successful\n";
    return 0;
}

// --stats-file: every second the engine thread rewrites FILE with one JSON object of its
// live counts (written aside, then renamed, so a reader never sees half of it).
class StatsWriter
{
public:
    StatsWriter(Engine& engine, std::string path) : m_engine(engine), m_path(std::move(path))
    {
        m_thread = std::thread([this] { loop(); });
    }
    ~StatsWriter()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_wake.notify_all();
        m_thread.join();
    }
    StatsWriter(const StatsWriter&) = delete;
    StatsWriter& operator=(const StatsWriter&) = delete;

private:
    void loop()
    {
        std::unique_lock lock(m_mutex);
        while (!m_wake.wait_for(lock, std::chrono::seconds(1), [this] { return m_stopping; })) {
            m_engine.post([this] { write(); }); // the engine thread owns the counts
        }
    }
    void write() const
    {
        const auto stats = m_engine.stats();
        const std::string aside = m_path + ".tmp";
        {
            std::ofstream out(aside, std::ios::trunc);
            out << "{\"connections\":" << stats.connections
                << ",\"lua_requests\":" << stats.luaRequests << ",\"vms\":" << stats.vms
                << ",\"main_vm_anchors\":" << stats.mainVmAnchors
                << ",\"pending_timers\":" << stats.pendingTimers
                << ",\"running_timers\":" << stats.runningTimers
                << ",\"main_vm_memory\":" << stats.mainVmMemory << "}\n";
        }
        std::rename(aside.c_str(), m_path.c_str());
    }

    Engine& m_engine;
    std::string m_path;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::thread m_thread;
};

int runHeadless(const CommandLine& line)
{
    EngineOptions options;
    options.prefix = line.prefix;
    options.confPath = line.confPath;
    options.luaInstructionBudget = line.luaInstructionBudget;
    options.luaMemoryLimit = static_cast<std::size_t>(line.luaMemoryLimitMb) * 1024 * 1024;
    Engine engine(options);
    std::string error;
    if (!engine.loadConfig(error) || !engine.start(error)) {
        std::cerr << "restyscope: " << error << '\n';
        return 1;
    }
    restyscope::engine::debug::TraceWriter trace;
    if (!line.traceFile.empty() && !trace.start(line.traceFile, engine.tracer(), error)) {
        std::cerr << "restyscope: [emerg] " << error << '\n';
        return 1;
    }
    // A consumer that reads every event and keeps none: the GUI bridge's load, without a GUI.
    restyscope::engine::trace::EventRing drained(1 << 16);
    std::atomic<bool> draining{line.drainEvents};
    std::thread drainer;
    if (line.drainEvents) {
        engine.tracer().attach(&drained);
        drainer = std::thread([&] {
            std::vector<restyscope::engine::trace::Event> batch;
            while (draining.load()) {
                batch.clear();
                if (drained.drain(batch, 4096) == 0) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(30));
                }
            }
        });
    }
    std::optional<StatsWriter> stats;
    if (!line.statsFile.empty()) {
        stats.emplace(engine, line.statsFile);
    }
    const int code = line.debugStdio ? restyscope::app::runDebugStdio(engine) : engine.run();
    stats.reset();
    if (drainer.joinable()) {
        draining = false;
        drainer.join();
        engine.tracer().detach(&drained);
    }
    trace.stop();
    return code;
}

int exportChrome(const CommandLine& line)
{
    std::vector<restyscope::engine::trace::Event> events;
    std::string error;
    if (!restyscope::engine::debug::readTrace(line.exportInput, events, error)) {
        std::cerr << "restyscope: " << line.exportInput << ": " << error << '\n';
        return 1;
    }
    std::ofstream out(line.exportOutput, std::ios::trunc);
    out << restyscope::engine::debug::toChromeTrace(events);
    if (!out) {
        std::cerr << "restyscope: cannot write " << line.exportOutput << '\n';
        return 1;
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string error;
    const auto line = restyscope::app::parseCommandLine(args, error);
    if (!line) {
        std::cerr << "restyscope: " << error << "\n\n" << restyscope::app::usageText();
        return 2;
    }
    switch (line->mode) {
    case CommandLine::Mode::Help: std::cout << restyscope::app::usageText(); return 0;
    case CommandLine::Mode::Version:
        std::cout << "restyscope version: " << Engine::versionText() << '\n';
        return 0;
    case CommandLine::Mode::TestConfig: return testConfig(*line);
    case CommandLine::Mode::ExportChrome: return exportChrome(*line);
    case CommandLine::Mode::Headless: return runHeadless(*line);
    case CommandLine::Mode::Gui: return restyscope::ui::runGui(argc, argv, line->prefix);
    }
    return 0;
}
