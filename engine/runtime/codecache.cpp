#include "engine/runtime/codecache.h"

#include <sys/stat.h>

#include "engine/runtime/cachekey.h"
#include "engine/runtime/chunkname.h"
#include "engine/runtime/registry.h"
#include "engine/trace/errorlog.h"
#include "engine/trace/tracer.h"

#include <lua.hpp>

#include <algorithm>
#include <set>

namespace restyscope::engine::runtime {

namespace {

std::string inlineError(std::string_view msg)
{
    return "failed to load inlined Lua code: " + std::string(msg);
}

std::string fileError(const std::string& path, std::string_view msg)
{
    return "failed to load external Lua file \"" + path + "\": " + std::string(msg);
}

} // namespace

CodeCache::CodeCache(lua_State* L, std::uint32_t vmId, FactoryStyle style, trace::Tracer* tracer)
    : m_L(L), m_vmId(vmId), m_style(style), m_tracer(tracer)
{
}

void CodeCache::probe(trace::EventKind kind, const std::string& key, int ref,
                      const LoadContext& ctx) const
{
    if (m_tracer != nullptr && m_tracer->enabled(kind)) {
        m_tracer->emitEvent(kind, trace::ProbeFields()
                                      .request(ctx.requestId)
                                      .vm(m_vmId)
                                      .coroutine(ctx.coroutineId)
                                      .value(ref)
                                      .text(key));
    }
}

void CodeCache::debug(const LoadContext& ctx, const char* what, const std::string& key,
                      int ref) const
{
    if (ctx.debugLog == nullptr || !ctx.debugLog->enabled(trace::LogLevel::Debug)) {
        return;
    }
    ctx.debugLog->write(trace::LogLevel::Debug, ctx.connection,
                        std::string("code cache ") + what + " (key='" + key +
                            "', ref=" + std::to_string(ref) + ")");
}

// Pushes the closure on a hit; leaves the stack as it was otherwise.
/* stack: ... -> ..., closure (Hit) | ... (Miss, Error) */
CodeCache::Lookup CodeCache::lookup(const std::string& key, int& ref, const LoadContext& ctx,
                                    std::string& error)
{
    lua_State* L = m_L;
    pushRegistryTable(L, RegistryTable::CodeCache); /* stack: cache */
    debug(ctx, "lookup", key, ref);
    probe(trace::EventKind::CacheLookup, key, ref, ctx);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        error = "the code cache table is missing";
        return Lookup::Error;
    }

    bool found = true;
    if (ref == kNoRef) {
        lua_getfield(L, -1, key.c_str()); /* stack: cache, factory? */
    } else {
        if (ref == kRefNil) {
            lua_getfield(L, -1, key.c_str()); /* stack: cache, ref? */
            if (lua_isnumber(L, -1)) {
                ref = static_cast<int>(lua_tonumber(L, -1));
                debug(ctx, "setting ref", key, ref);
                lua_pop(L, 1); /* stack: cache */
            } else {
                found = false;
            }
        }
        if (found) {
            lua_rawgeti(L, -1, ref); /* stack: cache, factory? */
        }
    }

    if (!found || !lua_isfunction(L, -1)) {
        lua_pop(L, 2); /* stack: */
        debug(ctx, "miss", key, ref);
        probe(trace::EventKind::CacheMiss, key, ref, ctx);
        return Lookup::Miss;
    }

    debug(ctx, "hit", key, ref);
    probe(trace::EventKind::CacheHit, key, ref, ctx);
    /* stack: cache, factory -> cache, closure */
    if (lua_pcall(L, 0, 1, 0) != 0) {
        const char* msg = lua_tostring(L, -1);
        error = "lua: failed to run factory at key \"" + key +
                "\": " + (msg != nullptr ? msg : "unknown error");
        lua_pop(L, 2);
        return Lookup::Error;
    }
    lua_remove(L, -2); /* stack: closure */
    return Lookup::Hit;
}

// Stores the factory on top under key (and ref), then calls it.
/* stack: ..., factory -> ..., closure (true) | ... (false) */
bool CodeCache::store(const std::string& key, int& ref, const LoadContext& ctx)
{
    lua_State* L = m_L;
    pushRegistryTable(L, RegistryTable::CodeCache); /* stack: factory, cache */
    if (!lua_istable(L, -1)) {
        lua_pop(L, 2);
        return false;
    }
    lua_pushvalue(L, -2); /* stack: factory, cache, factory */
    if (ref == kNoRef) {
        lua_setfield(L, -2, key.c_str()); /* stack: factory, cache */
    } else {
        ref = luaL_ref(L, -2);            /* stack: factory, cache */
        lua_pushnumber(L, ref);           /* stack: factory, cache, ref */
        lua_setfield(L, -2, key.c_str()); /* stack: factory, cache */
    }
    lua_pop(L, 1); /* stack: factory */
    probe(trace::EventKind::CacheStore, key, ref, ctx);
    /* stack: factory -> closure */
    if (lua_pcall(L, 0, 1, 0) != 0) {
        lua_pop(L, 1);
        return false;
    }
    return true;
}

bool CodeCache::answeredFromCache(const std::string& key, int& ref, const LoadContext& ctx,
                                  CodeResult& result)
{
    std::string error;
    switch (lookup(key, ref, ctx, error)) {
    case Lookup::Hit:
        if (const auto it = m_meta.find(key); it != m_meta.end()) {
            ++it->second.hits;
        }
        result.hit = true;
        return true;
    case Lookup::Error:
        result.status = LoadStatus::Error;
        result.error = error;
        return true;
    case Lookup::Miss: break;
    }
    return false;
}

CodeResult CodeCache::loadInline(const std::string& key, int& ref, std::string_view source,
                                 const std::string& chunkName, const LoadContext& ctx)
{
    lua_State* L = m_L;
    const int top = lua_gettop(L);
    CodeResult result;

    if (answeredFromCache(key, ref, ctx, result)) {
        return result;
    }

    const std::int64_t start = trace::Tracer::nowNs();
    const FactoryResult loaded = loadBufferFactory(L, source, chunkName, m_style);
    if (!loaded.ok()) {
        result.status = loaded.status;
        result.error = inlineError(loaded.error);
        lua_settop(L, top);
        return result;
    }
    Meta meta;
    meta.chunkName = chunkName;
    meta.bytes = loaded.bytes;
    meta.bytecode = loaded.bytecode;
    meta.loadTimeNs = trace::Tracer::nowNs() - start;
    m_meta.insert_or_assign(key, std::move(meta));

    if (!store(key, ref, ctx)) {
        result.status = LoadStatus::Error;
        result.error = inlineError("fail to generate new closure from the closure factory");
        lua_settop(L, top);
    }
    return result;
}

CodeResult CodeCache::loadFile(const std::string& absolutePath, const std::string* constantKey,
                               int& ref, const LoadContext& ctx)
{
    lua_State* L = m_L;
    const int top = lua_gettop(L);
    std::string key;
    if (constantKey != nullptr) {
        key = *constantKey;
    } else {
        key = fileCacheKey(absolutePath);
        ref = kNoRef;
    }

    CodeResult result;
    if (answeredFromCache(key, ref, ctx, result)) {
        return result;
    }

    const std::int64_t start = trace::Tracer::nowNs();
    const FactoryResult loaded = loadFileFactory(L, absolutePath, m_style);
    const std::int64_t elapsed = trace::Tracer::nowNs() - start;
    if (m_tracer != nullptr) {
        RESTYSCOPE_PROBE(*m_tracer, FileLoad,
                         .request(ctx.requestId)
                             .vm(m_vmId)
                             .coroutine(ctx.coroutineId)
                             .value(static_cast<std::int64_t>(loaded.bytes))
                             .textTail(absolutePath));
    }
    if (!loaded.ok()) {
        result.status = loaded.status;
        result.error = fileError(absolutePath, loaded.error);
        lua_settop(L, top);
        return result;
    }
    Meta meta;
    meta.chunkName = fileChunkName(absolutePath);
    meta.sourcePath = absolutePath;
    meta.bytes = loaded.bytes;
    meta.bytecode = loaded.bytecode;
    meta.loadTimeNs = elapsed;
    // Kept so a view can tell the file changed on disk since (the cache keeps old code).
    struct stat info
    {
    };
    if (::stat(absolutePath.c_str(), &info) == 0) {
        meta.fileMtimeNs =
            static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
    }
    m_meta.insert_or_assign(key, std::move(meta));

    if (!store(key, ref, ctx)) {
        result.status = LoadStatus::Error;
        result.error =
            fileError(absolutePath, "fail to generate new closure from the closure factory");
        lua_settop(L, top);
    }
    return result;
}

std::vector<CacheEntryInfo> CodeCache::snapshot() const
{
    lua_State* L = m_L;
    std::vector<CacheEntryInfo> rows;
    std::set<int> namedRefs;

    pushRegistryTable(L, RegistryTable::CodeCache); /* stack: cache */
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        return rows;
    }
    auto describe = [this](CacheEntryInfo& row) {
        const auto it = m_meta.find(row.key);
        if (it == m_meta.end()) {
            return;
        }
        row.known = true;
        row.chunkName = it->second.chunkName;
        row.sourcePath = it->second.sourcePath;
        row.bytes = it->second.bytes;
        row.loadTimeNs = it->second.loadTimeNs;
        row.fileMtimeNs = it->second.fileMtimeNs;
        row.hits = it->second.hits;
        row.bytecode = it->second.bytecode;
    };

    // Named entries: cache[key] is a factory (kNoRef) or the ref of one.
    lua_pushnil(L);                /* stack: cache, nil */
    while (lua_next(L, -2) != 0) { /* stack: cache, k, v */
        if (lua_type(L, -2) == LUA_TSTRING) {
            CacheEntryInfo row;
            row.key = lua_tostring(L, -2);
            if (lua_type(L, -1) == LUA_TNUMBER) {
                row.ref = static_cast<int>(lua_tonumber(L, -1));
                namedRefs.insert(row.ref);
                describe(row);
                rows.push_back(std::move(row));
            } else if (lua_isfunction(L, -1)) {
                row.ref = kNoRef;
                describe(row);
                rows.push_back(std::move(row));
            }
        }
        lua_pop(L, 1); /* stack: cache, k */
    }

    // Ref slots no key names any more (a factory stored under a ref from another VM
    // generation, semantics.md 1.7.4). Slot 0 is luaL_ref's free list.
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        if (lua_type(L, -2) == LUA_TNUMBER && lua_isfunction(L, -1)) {
            const int ref = static_cast<int>(lua_tonumber(L, -2));
            if (ref > 0 && namedRefs.count(ref) == 0) {
                CacheEntryInfo row;
                row.ref = ref;
                rows.push_back(std::move(row));
            }
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1); /* stack: */

    std::sort(rows.begin(), rows.end(), [](const CacheEntryInfo& a, const CacheEntryInfo& b) {
        return a.key != b.key ? a.key < b.key : a.ref < b.ref;
    });
    return rows;
}

} // namespace restyscope::engine::runtime
