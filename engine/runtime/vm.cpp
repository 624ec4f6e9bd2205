#include "engine/runtime/vm.h"

#include <cstdio>
#include <cstdlib>

#include "engine/runtime/registry.h"
#include "engine/trace/tracer.h"

#include <lua.hpp>
#include <luajit.h>

#include <algorithm>
#include <atomic>
#include <exception>

namespace restyscope::engine::runtime {

namespace {

// The C library's allocator instead of LuaJIT's own mmap arenas: a VM per request
// (lua_code_cache off) then reuses freed memory instead of faulting in fresh pages and
// unmapping them again at lua_close, which made fresh VMs several times slower. It keeps
// the VM's books, and refuses growth past the limit while the limit is enforced (LuaJIT
// then raises "not enough memory" in the running coroutine). Shrinking never fails.
void* countingAllocator(void* ud, void* block, std::size_t oldSize, std::size_t size)
{
    auto* books = static_cast<Vm::Allocation*>(ud);
    if (size == 0) {
        std::free(block);
        books->used -= block != nullptr ? oldSize : 0;
        return nullptr;
    }
    const std::size_t old = block != nullptr ? oldSize : 0;
    if (books->enforced && books->limit != 0 && size > old) {
        const std::size_t wanted = books->used - old + size;
        const std::size_t headroom = std::max<std::size_t>(books->limit / 8, 1 << 20);
        if (books->grace && books->used + headroom <= books->limit) {
            books->grace = false; // the garbage was collected
        }
        const std::size_t limit = books->grace ? books->limit + headroom : books->limit;
        if (wanted > limit) {
            books->refused = true;
            books->grace = true;
            return nullptr;
        }
    }
    void* grown = std::realloc(block, size);
    if (grown != nullptr) {
        books->used = books->used - old + size;
    }
    return grown;
}

// Without a limit nothing reads the books: the plain allocator keeps VM creation (one per
// request with lua_code_cache off) as cheap as it can be.
void* plainAllocator(void*, void* block, std::size_t, std::size_t size)
{
    if (size == 0) {
        std::free(block);
        return nullptr;
    }
    return std::realloc(block, size);
}

lua_State* newLuaState(Vm::Allocation* books)
{
    lua_State* L = books->limit != 0 ? lua_newstate(countingAllocator, books)
                                     : lua_newstate(plainAllocator, nullptr);
    if (!L) {
        L = luaL_newstate(); // a LuaJIT build that insists on its own allocator: no limit
        books->limit = 0;
    }
    if (L) {
        lua_atpanic(L, [](lua_State* state) {
            std::fprintf(stderr, "PANIC: unprotected error in call to Lua API (%s)\n",
                         lua_tostring(state, -1) ? lua_tostring(state, -1) : "?");
            return 0;
        });
    }
    return L;
}

} // namespace

namespace {

// Debian builds lua-nginx-module with this LUA_DEFAULT_PATH; nginx prepends it (plus ";")
// to LuaJIT's package.path, so lua-resty-core and lua-cjson's modules are found.
constexpr std::string_view kLuaDefaultPath = "/usr/share/lua/5.1/?.lua;";

// What lua-nginx-module's write guard makes ngx.log print before the message (the guard
// is a Lua function named __newindex whose log call sits on line 12 of "=_G write guard").
constexpr std::string_view kGuardLogPrefix = "[lua] _G write guard:12: __newindex(): ";

char vmKey; // registry[&vmKey] = the owning Vm

std::atomic<std::uint32_t> nextVmId{1};

void replaceAll(std::string& s, std::string_view from, std::string_view to)
{
    std::size_t pos = 0;
    while ((pos = s.find(from, pos)) != std::string::npos) {
        s.replace(pos, from.size(), to);
        pos += to.size();
    }
}

std::string packageField(lua_State* L, const char* field)
{
    std::string value;
    lua_getfield(L, LUA_GLOBALSINDEX, "package"); /* stack: package */
    if (lua_istable(L, -1)) {
        lua_getfield(L, -1, field); /* stack: package, value */
        if (lua_type(L, -1) == LUA_TSTRING) {
            std::size_t len = 0;
            const char* s = lua_tolstring(L, -1, &len);
            value.assign(s, len);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return value;
}

void setPackageField(lua_State* L, const char* field, const std::string& value)
{
    lua_getfield(L, LUA_GLOBALSINDEX, "package"); /* stack: package */
    if (lua_istable(L, -1)) {
        lua_pushlstring(L, value.data(), value.size()); /* stack: package, value */
        lua_setfield(L, -2, field);                     /* stack: package */
    }
    lua_pop(L, 1);
}

} // namespace

int pcallTraceback(lua_State* L)
{
    if (!lua_isstring(L, 1)) {
        return 1;
    }
    lua_getfield(L, LUA_GLOBALSINDEX, "debug");
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        return 1;
    }
    lua_getfield(L, -1, "traceback");
    if (!lua_isfunction(L, -1)) {
        lua_pop(L, 2);
        return 1;
    }
    lua_pushvalue(L, 1);
    lua_pushinteger(L, 2); // skip this handler and traceback itself
    lua_call(L, 2, 1);
    return 1;
}

std::string expandPackagePath(std::string_view value, std::string_view prefix,
                              std::string_view defaultPath)
{
    // ";;" is marked first so that a "$prefix" expansion containing ";;" is left alone.
    constexpr std::string_view kMark = "\1";
    std::string path(value);
    replaceAll(path, ";;", ";\1;");
    replaceAll(path, "$prefix", prefix);
    replaceAll(path, "${prefix}", prefix);
    replaceAll(path, kMark, defaultPath);
    return path;
}

Vm::Vm(std::uint32_t id, bool main, const VmSettings& settings, const VmHooks& hooks,
       trace::Tracer* tracer)
    : m_id(id), m_main(main), m_hooks(hooks), m_tracer(tracer), m_limits(settings.limits)
{
    m_allocation.limit = settings.limits.memoryBytes;
    m_L = newLuaState(&m_allocation);
    // A null state is reported by VmFactory::create; the cache then is never used.
    m_codeCache = std::make_unique<CodeCache>(m_L, m_id, settings.factoryStyle, tracer);
}

Vm::~Vm()
{
    if (m_L == nullptr) {
        return;
    }
    if (m_tracer != nullptr) {
        RESTYSCOPE_PROBE(*m_tracer, VmClose,
                         .vm(m_id)
                             .value(static_cast<std::int64_t>(memoryBytes()))
                             .text(m_main ? "main" : "request"));
    }
    lua_close(m_L);
}

std::size_t Vm::memoryBytes() const
{
    return static_cast<std::size_t>(lua_gc(m_L, LUA_GCCOUNT, 0)) * 1024 +
           static_cast<std::size_t>(lua_gc(m_L, LUA_GCCOUNTB, 0));
}

void Vm::collectGarbage()
{
    lua_gc(m_L, LUA_GCCOLLECT, 0);
}

void Vm::dispatchHook(lua_State* L, lua_Debug* ar)
{
    Vm* vm = fromState(L);
    if (vm == nullptr) {
        return;
    }
    if (ar->event == LUA_HOOKCOUNT) {
        if (vm->m_limits.budgetHook != nullptr) {
            vm->m_limits.budgetHook(L, ar);
        }
    } else if (ar->event == LUA_HOOKLINE && vm->m_lineHook != nullptr) {
        vm->m_lineHook(L, ar);
    }
}

void Vm::installHook()
{
    const bool budget = m_limits.budgetHook != nullptr && m_limits.budgetInterval > 0;
    const int mask = (m_lineHook != nullptr ? LUA_MASKLINE : 0) | (budget ? LUA_MASKCOUNT : 0);
    if (mask == 0) {
        lua_sethook(m_L, nullptr, 0, 0);
        return;
    }
    lua_sethook(m_L, &Vm::dispatchHook, mask, m_budgetTight ? 1 : m_limits.budgetInterval);
}

void Vm::setLineHook(VmHook hook)
{
    m_lineHook = hook;
    installHook();
}

void Vm::tightenBudgetInterval()
{
    if (!m_budgetTight) {
        m_budgetTight = true;
        installHook();
    }
}

void Vm::restoreBudgetInterval()
{
    if (m_budgetTight) {
        m_budgetTight = false;
        installHook();
    }
}

Vm* Vm::fromState(lua_State* L)
{
    lua_pushlightuserdata(L, &vmKey);
    lua_rawget(L, LUA_REGISTRYINDEX); /* stack: vm? */
    auto* vm = static_cast<Vm*>(lua_touserdata(L, -1));
    lua_pop(L, 1);
    return vm;
}

// _G's __newindex (upvalue 1: the Vm, upvalue 2: tostring as it was at start-up).
// The value is stored first, so the next write of that key finds it and skips the guard.
/* stack: table, key, value -> (nothing returned) */
int Vm::globalWriteGuard(lua_State* L)
{
    lua_settop(L, 3);
    lua_pushvalue(L, 2); /* stack: table, key, value, key */
    lua_insert(L, 2);    /* stack: table, key, key, value */
    lua_rawset(L, 1);    /* stack: table, key */

    auto* vm = static_cast<Vm*>(lua_touserdata(L, lua_upvalueindex(1)));
    if (vm == nullptr || vm->m_quietGlobals || !vm->m_hooks.globalWrite) {
        return 0;
    }
    lua_pushvalue(L, lua_upvalueindex(2)); /* stack: table, key, tostring */
    lua_pushvalue(L, 2);                   /* stack: table, key, tostring, key */
    lua_call(L, 1, 1);                     /* stack: table, key, name */
    // Level 1 is the writer: this C function is level 0.
    luaL_traceback(L, L, "", 1); /* stack: table, key, name, traceback */

    std::size_t nameLen = 0;
    std::size_t traceLen = 0;
    const char* name = lua_tolstring(L, -2, &nameLen);
    const char* trace = lua_tolstring(L, -1, &traceLen);
    try {
        const std::string_view key = name != nullptr ? std::string_view(name, nameLen) : "nil";
        std::string message(kGuardLogPrefix);
        message.append("writing a global Lua variable ('")
            .append(key)
            .append("') which may lead to race conditions between concurrent requests, so "
                    "prefer the use of 'local' variables")
            .append(trace != nullptr ? std::string_view(trace, traceLen) : std::string_view());
        vm->m_hooks.globalWrite(*vm, L, key, message);
    } catch (const std::exception&) { // nothing of ours may unwind through Lua; Lua's own
    }                                 // errors (foreign exceptions) must pass untouched
    return 0;
}

InitResult Vm::runInit(const InitChunk& chunk)
{
    lua_State* L = m_L;
    const int base = lua_gettop(L);
    const bool file = chunk.form == InitChunk::Form::File;

    int status = 0;
    if (file) {
        status = luaL_loadfile(L, chunk.path.c_str()); /* stack: chunk | err */
    } else {
        const std::string name = chunk.chunkName.empty() ? "=init_by_lua" : chunk.chunkName;
        status = luaL_loadbuffer(L, chunk.source.data(), chunk.source.size(), name.c_str());
    }
    if (status == 0) {
        lua_pushcfunction(L, pcallTraceback); /* stack: chunk, handler */
        lua_insert(L, base + 1);              /* stack: handler, chunk */
        m_quietGlobals = true;
        m_allocation.enforced = true;
        status = lua_pcall(L, 0, 0, base + 1); /* stack: handler | handler, err */
        m_allocation.enforced = false;
        m_quietGlobals = false;
        lua_remove(L, base + 1);
    }

    InitResult result;
    if (status != 0) {
        result.ok = false;
        if (!lua_isnil(L, -1)) {
            const char* msg = lua_tostring(L, -1);
            result.error = std::string(file ? "init_by_lua_file" : "init_by_lua") +
                           " error: " + (msg != nullptr ? msg : "unknown error");
        }
    }
    lua_settop(L, base);
    lua_gc(L, LUA_GCCOLLECT, 0);
    return result;
}

VmFactory::VmFactory(VmSettings settings, VmHooks hooks, trace::Tracer* tracer)
    : m_settings(std::move(settings)), m_hooks(std::move(hooks)), m_tracer(tracer)
{
}

std::unique_ptr<Vm> VmFactory::createMain() const
{
    return create(nullptr);
}

std::unique_ptr<Vm> VmFactory::createFresh(const Vm& parent) const
{
    return create(&parent);
}

std::unique_ptr<Vm> VmFactory::create(const Vm* parent) const
{
    std::unique_ptr<Vm> vm(new Vm(nextVmId.fetch_add(1, std::memory_order_relaxed),
                                  parent == nullptr, m_settings, m_hooks, m_tracer));
    lua_State* L = vm->m_L;
    if (L == nullptr) {
        return nullptr;
    }
    luaL_openlibs(L);
    if (m_settings.limits.budgetHook != nullptr && m_settings.limits.budgetInterval > 0) {
        // Compiled traces never call count hooks: a budget needs the interpreter.
        luaJIT_setmode(L, 0, LUAJIT_MODE_ENGINE | LUAJIT_MODE_OFF);
        vm->installHook();
    }

    if (parent != nullptr) {
        setPackageField(L, "path", packageField(parent->state(), "path"));
        setPackageField(L, "cpath", packageField(parent->state(), "cpath"));
    } else {
        std::string path(kLuaDefaultPath);
        path.append(";").append(packageField(L, "path"));
        setPackageField(L, "path", path);
        if (!m_settings.packagePath.empty()) {
            setPackageField(L, "path",
                            expandPackagePath(m_settings.packagePath, m_settings.prefix, path));
        }
        if (!m_settings.packageCpath.empty()) {
            setPackageField(L, "cpath",
                            expandPackagePath(m_settings.packageCpath, m_settings.prefix,
                                              packageField(L, "cpath")));
        }
    }

    createRegistryTables(L);
    lua_pushlightuserdata(L, &vmKey);
    lua_pushlightuserdata(L, vm.get());
    lua_rawset(L, LUA_REGISTRYINDEX);

    if (m_hooks.installApi) {
        m_hooks.installApi(*vm);
    }

    // setmetatable(_G, {__newindex = guard}), installed last as nginx does.
    lua_pushvalue(L, LUA_GLOBALSINDEX);            /* stack: _G */
    lua_createtable(L, 0, 1);                      /* stack: _G, mt */
    lua_pushlightuserdata(L, vm.get());            /* stack: _G, mt, vm */
    lua_getfield(L, LUA_GLOBALSINDEX, "tostring"); /* stack: _G, mt, vm, tostring */
    lua_pushcclosure(L, Vm::globalWriteGuard, 2);  /* stack: _G, mt, guard */
    lua_setfield(L, -2, "__newindex");             /* stack: _G, mt */
    lua_setmetatable(L, -2);                       /* stack: _G */
    lua_pop(L, 1);

    if (m_tracer != nullptr) {
        RESTYSCOPE_PROBE(*m_tracer, VmCreate,
                         .vm(vm->id())
                             .value(static_cast<std::int64_t>(vm->memoryBytes()))
                             .text(parent == nullptr ? "main" : "request"));
    }
    return vm;
}

} // namespace restyscope::engine::runtime
