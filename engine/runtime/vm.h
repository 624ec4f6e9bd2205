#pragma once
// Design: one Lua VM (lua-nginx-module's ngx_http_lua_init_vm). A VM is LuaJIT with the
// standard libraries, package.path/cpath from lua_package_path/lua_package_cpath, the
// registry tables (registry.h) and its code cache, the ngx API (installed by a hook the API
// layer provides), then the _G write guard. The main VM is made at start-up; with
// lua_code_cache off each request gets a fresh one made the same way, whose package paths
// are copied from the main VM as they are at that moment. Engine thread only.

#include "engine/runtime/codecache.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

struct lua_State;
struct lua_Debug;

namespace restyscope::engine::trace {
class Tracer;
}

namespace restyscope::engine::runtime {

class Vm;

// A debug hook as lua_sethook takes it.
using VmHook = void (*)(lua_State*, lua_Debug*);

// Limits nginx does not have, off by default (restyscope's --lua-* options).
struct VmLimits
{
    // Bytes the VM's allocator hands out at most while Lua code runs (0: no limit).
    std::size_t memoryBytes = 0;
    // Called every budgetInterval VM instructions (0: no budget). LuaJIT skips count hooks
    // in compiled code, so a VM with a budget runs in the interpreter.
    VmHook budgetHook = nullptr;
    int budgetInterval = 0;
};

struct VmSettings
{
    std::string prefix;       // nginx prefix, absolute, ending in '/'
    std::string packagePath;  // lua_package_path value as written; empty: not set
    std::string packageCpath; // lua_package_cpath value as written; empty: not set
    FactoryStyle factoryStyle = FactoryStyle::MainChunk;
    VmLimits limits;
};

struct VmHooks
{
    // Installs ngx.* (and package.loaded.ngx) after the registry tables, before the guard.
    std::function<void(Vm&)> installApi;
    // A new global was written outside init_by_lua. message is what nginx logs at [warn]
    // before its request suffix: "[lua] _G write guard:12: __newindex(): writing a global
    // Lua variable ('x') which may lead to ...\nstack traceback:\n\t...". writer is the
    // coroutine that wrote. Called inside a Lua C function: it must not throw, and it runs
    // after the value was stored (so once per key).
    std::function<void(Vm&, lua_State* writer, std::string_view key, std::string_view message)>
        globalWrite;
};

// init_by_lua_block / init_by_lua / init_by_lua_file.
struct InitChunk
{
    enum class Form { Inline, File };
    Form form = Form::Inline;
    std::string source;    // Inline: the code
    std::string path;      // File: absolute path (prefix applied)
    std::string chunkName; // Inline: inlineChunkName("init_by_lua", ...); empty: "=init_by_lua"
};

struct InitResult
{
    bool ok = true;
    // What nginx logs at [error]: "init_by_lua error: <msg and traceback>" or
    // "init_by_lua_file error: ..."; empty when the error value was nil.
    std::string error;
};

// package.path/cpath as lua-nginx-module builds them: ";;" becomes the default path
// (defaultPath), "$prefix" and "${prefix}" become prefix.
std::string expandPackagePath(std::string_view value, std::string_view prefix,
                              std::string_view defaultPath);

// The lua_pcall message handler of code that runs on a VM's main thread (init_by_lua,
// header_filter_by_lua, log_by_lua): a string error gets debug.traceback from the failing
// level; anything else is passed through.
int pcallTraceback(lua_State* L);

class Vm
{
public:
    ~Vm(); // emits VmClose, then lua_close
    Vm(const Vm&) = delete;
    Vm& operator=(const Vm&) = delete;

    lua_State* state() const { return m_L; }
    std::uint32_t id() const { return m_id; }
    bool isMain() const { return m_main; }
    CodeCache& codeCache() { return *m_codeCache; }
    const CodeCache& codeCache() const { return *m_codeCache; }

    // Runs init code with lua_pcall and a traceback handler, bypassing the code cache; the
    // _G write guard is quiet meanwhile. Ends with a full garbage collection, as nginx.
    InitResult runInit(const InitChunk& chunk);

    // Coroutines anchored by the scheduler right now (engine thread).
    std::size_t anchoredCoroutines = 0;
    // Bytes in use by the Lua heap (lua_gc count).
    std::size_t memoryBytes() const;
    void collectGarbage();

    // The Vm owning L (any coroutine of it); nullptr for a state no Vm made.
    static Vm* fromState(lua_State* L);

    // One debug hook per lua_State: the debugger's line hook and the instruction budget's
    // count hook share it. nullptr turns the line hook off.
    void setLineHook(VmHook hook);
    // The budget hook fires on every instruction until restoreBudgetInterval (a request
    // over its budget is stopped at the next instruction, even inside pcall).
    void tightenBudgetInterval();
    void restoreBudgetInterval();
    bool budgetTightened() const { return m_budgetTight; }
    int budgetInterval() const { return m_limits.budgetInterval; }

    // The memory limit applies while Lua code runs under the scheduler or init_by_lua (a
    // refused allocation there is a catchable "not enough memory" error; elsewhere it
    // would be a panic).
    void setMemoryLimitEnforced(bool on) { m_allocation.enforced = on; }
    std::size_t memoryLimit() const { return m_allocation.limit; }
    // True once after the allocator refused a block because of the limit.
    bool takeMemoryLimitHit()
    {
        const bool hit = m_allocation.refused;
        m_allocation.refused = false;
        return hit;
    }

    // The allocator's books (lua_newstate's ud).
    struct Allocation
    {
        std::size_t used = 0;
        std::size_t limit = 0;
        bool enforced = false;
        bool refused = false;
        // After a refusal, room past the limit until the heap is back under it: the error
        // handling (pcall's caller, the 500 page, the log) must not fail in turn.
        bool grace = false;
    };

private:
    friend class VmFactory;
    Vm(std::uint32_t id, bool main, const VmSettings& settings, const VmHooks& hooks,
       trace::Tracer* tracer);
    static int globalWriteGuard(lua_State* L);
    static void dispatchHook(lua_State* L, lua_Debug* ar);
    void installHook();

    Allocation m_allocation; // before m_L: the state allocates through it
    lua_State* m_L = nullptr;
    std::uint32_t m_id = 0;
    bool m_main = false;
    bool m_quietGlobals = false;
    VmHooks m_hooks;
    trace::Tracer* m_tracer = nullptr;
    std::unique_ptr<CodeCache> m_codeCache;
    VmLimits m_limits;
    VmHook m_lineHook = nullptr;
    bool m_budgetTight = false;
};

// Makes VMs from one set of settings: the main VM, and fresh VMs for lua_code_cache off.
class VmFactory
{
public:
    VmFactory(VmSettings settings, VmHooks hooks, trace::Tracer* tracer = nullptr);

    // package paths from the directives. Does not run init_by_lua: call runInit().
    std::unique_ptr<Vm> createMain() const;
    // package paths copied from parent's current package table (init_by_lua may have
    // changed them). init_by_lua is re-run by the caller, as nginx re-runs it per request.
    std::unique_ptr<Vm> createFresh(const Vm& parent) const;

    const VmSettings& settings() const { return m_settings; }

private:
    std::unique_ptr<Vm> create(const Vm* parent) const;

    VmSettings m_settings;
    VmHooks m_hooks;
    trace::Tracer* m_tracer;
};

} // namespace restyscope::engine::runtime
