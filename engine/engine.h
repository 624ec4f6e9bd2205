#pragma once
// Design: the facade the app and the UI bridge use. One Engine owns the configuration,
// the error log, the Asio loop and the listeners; everything runs on the thread that
// calls run(). Other threads only post() closures to it.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct lua_State;

namespace restyscope::engine {

namespace trace {
class Tracer;
}
namespace debug {
class Debugger;
}

struct EngineOptions
{
    std::string prefix;                       // as given with -p; empty: the current directory
    std::string confPath = "conf/nginx.conf"; // as given with -c, relative to the prefix
    bool logToStderr = true;
    bool handleSignals = true; // SIGINT/SIGTERM stop run()
    // Limits nginx does not have, off (0) by default: VM instructions per request (a request
    // past it ends with 500; the VMs then run without the JIT), and bytes per Lua VM.
    std::uint64_t luaInstructionBudget = 0;
    std::size_t luaMemoryLimit = 0;
    // The desktop app: a listen port that cannot be bound moves to the next free one, and its
    // servers answer there (a notice says so). nginx itself fails; headless keeps that.
    bool nextFreePort = false;
};

// What is alive in the engine right now (leak checks, the soak test's --stats-file).
struct EngineStats
{
    std::size_t connections = 0;   // open client connections, every listener
    std::size_t luaRequests = 0;   // requests with a live Lua ctx
    std::size_t vms = 0;           // live Lua VMs, the main VM included
    std::size_t mainVmAnchors = 0; // coroutines anchored in the main VM's registry
    std::size_t pendingTimers = 0; // ngx.timer.at/every not fired yet
    std::size_t runningTimers = 0; // timer callbacks running (fake requests)
    std::size_t mainVmMemory = 0;  // the main VM's Lua heap, bytes (no GC forced)
};

struct ListenEndpoint
{
    std::string address;
    std::uint16_t port = 0;
};

class Engine
{
public:
    explicit Engine(EngineOptions options);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Reads and checks the configuration. On failure error holds nginx's wording,
    // "[emerg] unknown directive "foo" in /abs/conf/nginx.conf:12".
    bool loadConfig(std::string& error);
    // Opens the error log and binds every listen address.
    bool start(std::string& error);
    // Runs the loop until stop(); returns the process exit code.
    int run();
    // Any thread.
    void stop();
    // Any thread: runs f on the engine thread.
    void post(std::function<void()> f);

    const std::string& prefix() const;
    const std::string& confFile() const;
    std::vector<ListenEndpoint> listening() const;
    // The notices reading the configuration produced ("[alert] lua_code_cache is off...").
    const std::vector<std::string>& configNotices() const;
    // Before start(): called on the engine thread with every error.log line as written
    // (nginx's format, no newline), e.g. to feed the UI's error log view.
    void setErrorLogObserver(std::function<void(std::string_view line)> observer);

    // Engine thread: where probes go (attach a trace::EventSink).
    trace::Tracer& tracer();
    // Engine thread: the step gate and snapshots, made on first use (until then resumes
    // pass no gate and no probe is built for it).
    debug::Debugger& debugger();
    // Engine thread: a fresh main VM (an empty code cache), as a HUP gives nginx.
    bool reloadCode(std::string& error);
    // Engine thread: force lua_code_cache on/off everywhere; nullopt: as configured.
    void setCodeCacheOverride(std::optional<bool> enabled);
    // Engine thread: the main VM's state, for tests that read the registry directly.
    lua_State* mainVmState();
    // Engine thread: requests with a live Lua ctx, and live VMs (main included).
    std::size_t liveLuaRequests() const;
    std::size_t liveVms() const;
    // Engine thread: coroutines anchored in the main VM, and its Lua heap after a full GC.
    std::size_t mainVmAnchors() const;
    std::size_t mainVmMemoryAfterGc();
    // Engine thread.
    EngineStats stats() const;
    // Engine thread: stop or resume accepting connections on every listen address (open
    // connections are served on). False with nginx's bind() wording when an address was
    // taken meanwhile; the others accept again.
    bool setAccepting(bool on, std::string& error);

    static std::string versionText();

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace restyscope::engine
