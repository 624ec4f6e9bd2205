#pragma once
// Design: the facade the app and the UI bridge use. One Engine owns the configuration,
// the error log, the Asio loop and the listeners; everything runs on the thread that
// calls run(). Other threads only post() closures to it.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
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

    static std::string versionText();

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace restyscope::engine
