#pragma once
// Design: the code cache (lua-nginx-module's ngx_http_lua_cache.c). It is a plain Lua table
// in the VM's registry (RegistryTable::CodeCache), so it lives and dies with its VM:
//   cache[key] = factory         a file whose path has variables (ref LUA_NOREF)
//   cache[key] = N, cache[N] = factory    every other directive (ref from luaL_ref)
// Each handler directive keeps an int ref, owned by the caller, that starts at kRefNil:
//   kNoRef (-2)  look up cache[key] (a function: hit)
//   kRefNil (-1) look up cache[key]; a number there is adopted as the directive's ref (so
//                identical inline code in two places shares one factory and the first
//                place's chunk name), then cache[ref] is read
//   >= 1         read cache[ref]
// A hit calls the factory for a fresh closure; a miss loads through the closure factory,
// stores, then calls. Nothing is compiled before a handler first runs.
//
// The ref belongs to the directive, not to the VM: with lua_code_cache off every request
// VM hands out refs from 1 again, and a ref kept from an earlier VM can name another
// directive's code in a VM shared with a subrequest (semantics.md 1.7.4, real in 0.10.23).
// Keeping one int per directive reproduces that; resetting it to kRefNil before each call
// on a fresh VM gives upstream HEAD's fixed behaviour.

#include "engine/runtime/closurefactory.h"
#include "engine/trace/probes.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

struct lua_State;

namespace restyscope::engine::trace {
class ErrorLog;
class Tracer;
} // namespace restyscope::engine::trace

namespace restyscope::engine::runtime {

inline constexpr int kRefNil = -1; // LUA_REFNIL: not looked up yet
inline constexpr int kNoRef = -2;  // LUA_NOREF: stored by key only

// Who asks: for probes and nginx's debug lines ("code cache lookup (key='...', ref=-1)").
struct LoadContext
{
    std::uint64_t requestId = 0;
    std::uint32_t coroutineId = 0;
    trace::ErrorLog* debugLog = nullptr; // debug lines written when its level allows
    std::uint64_t connection = 0;        // nginx's "*N" for those lines
};

struct CodeResult
{
    LoadStatus status = LoadStatus::Ok;
    // What nginx logs at [error]: `failed to load external Lua file "<path>": <msg>`,
    // `failed to load inlined Lua code: <msg>`.
    std::string error;
    bool hit = false;

    bool ok() const { return status == LoadStatus::Ok; }
    int httpStatus() const { return httpStatusFor(status); }
};

// One row of the cache view: the registry table joined with what the loader recorded.
struct CacheEntryInfo
{
    std::string key;        // empty for a ref slot no key points at any more
    int ref = kNoRef;       // kNoRef when stored by key
    std::string chunkName;  // "=content_by_lua(nginx.conf:3)", "@/srv/lua/a.lua"
    std::string sourcePath; // files only
    std::size_t bytes = 0;
    std::int64_t loadTimeNs = 0;  // read + compile + factory build
    std::int64_t fileMtimeNs = 0; // the file's modification time when it was loaded (files)
    std::uint64_t hits = 0;       // lookups answered from the cache since it was stored
    bool bytecode = false;
    bool known = false; // false: in the table but not stored through this CodeCache
};

class CodeCache
{
public:
    CodeCache(lua_State* L, std::uint32_t vmId, FactoryStyle style, trace::Tracer* tracer);
    CodeCache(const CodeCache&) = delete;
    CodeCache& operator=(const CodeCache&) = delete;

    // Inline code. key: inlineCacheKey(tag, source); chunkName: inlineChunkName(...).
    /* stack: ... -> ..., closure          (on failure: ...) */
    CodeResult loadInline(const std::string& key, int& ref, std::string_view source,
                          const std::string& chunkName, const LoadContext& ctx = {});

    // A Lua file at absolutePath. constantKey: fileCacheKey(path as written) for a constant
    // path; nullptr for a path with variables, whose key is fileCacheKey(absolutePath) and
    // whose ref is set to kNoRef (as nginx does on every call).
    /* stack: ... -> ..., closure          (on failure: ...) */
    CodeResult loadFile(const std::string& absolutePath, const std::string* constantKey, int& ref,
                        const LoadContext& ctx = {});

    // Read-only view of the registry table, sorted by key then ref. Engine thread.
    std::vector<CacheEntryInfo> snapshot() const;

    FactoryStyle style() const { return m_style; }

private:
    struct Meta
    {
        std::string chunkName;
        std::string sourcePath;
        std::size_t bytes = 0;
        std::int64_t loadTimeNs = 0;
        std::int64_t fileMtimeNs = 0;
        std::uint64_t hits = 0;
        bool bytecode = false;
    };
    enum class Lookup { Hit, Miss, Error };
    // A hit (hits counted) or a lookup error: result is final. false on a miss.
    bool answeredFromCache(const std::string& key, int& ref, const LoadContext& ctx,
                           CodeResult& result);

    Lookup lookup(const std::string& key, int& ref, const LoadContext& ctx, std::string& error);
    bool store(const std::string& key, int& ref, const LoadContext& ctx);
    void debug(const LoadContext& ctx, const char* what, const std::string& key, int ref) const;
    void probe(trace::EventKind kind, const std::string& key, int ref,
               const LoadContext& ctx) const;

    lua_State* m_L;
    std::uint32_t m_vmId;
    FactoryStyle m_style;
    trace::Tracer* m_tracer;
    std::map<std::string, Meta, std::less<>> m_meta;
};

} // namespace restyscope::engine::runtime
