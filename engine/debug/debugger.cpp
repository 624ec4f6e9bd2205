#include "engine/debug/debugger.h"

#include "engine/http/connection.h"
#include "engine/runtime/vm.h"
#include "engine/sched/luamodule.h"

#include <lua.hpp>
#include <sys/stat.h>

#include <algorithm>

namespace restyscope::engine::debug {

namespace {

std::string phaseOf(unsigned context)
{
    return std::string(sched::phaseName(context));
}

bool fileChangedSince(const std::string& path, std::int64_t loadedMtimeNs)
{
    struct stat info
    {
    };
    if (path.empty() || ::stat(path.c_str(), &info) != 0) {
        return !path.empty(); // removed since it was loaded
    }
    const std::int64_t now =
        static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
    return now != loadedMtimeNs;
}

std::vector<std::string> packageLoaded(lua_State* L)
{
    std::vector<std::string> names;
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "loaded");
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        if (lua_type(L, -2) == LUA_TSTRING) {
            names.emplace_back(lua_tostring(L, -2));
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 2);
    std::sort(names.begin(), names.end());
    return names;
}

} // namespace

Debugger::Debugger(sched::Scheduler& scheduler, sched::LuaModule& lua, trace::Tracer& tracer)
    : m_scheduler(scheduler), m_lua(lua), m_tracer(tracer)
{
    m_scheduler.setResumeGate(this);
    m_tracer.attach(this);
}

Debugger::~Debugger()
{
    m_tracer.detach(this);
    m_scheduler.setResumeGate(nullptr);
}

void Debugger::pauseNow()
{
    if (m_paused) {
        return;
    }
    m_paused = true;
    m_stepBudget = 0;
    RESTYSCOPE_PROBE(m_tracer, DebuggerPaused,
                     .value(static_cast<std::int64_t>(m_scheduler.readyList().size())));
    if (m_onPaused) {
        m_onPaused();
    }
}

void Debugger::pause()
{
    pauseNow();
}

void Debugger::cont()
{
    m_paused = false;
    if (m_draining) {
        return; // the drain below goes on
    }
    m_draining = true;
    while (!m_paused && !m_scheduler.readyList().empty()) {
        m_scheduler.resumeReady(0);
    }
    m_draining = false;
}

bool Debugger::step(std::size_t index)
{
    if (index >= m_scheduler.readyList().size()) {
        return false;
    }
    m_paused = true;
    m_stepBudget = 1;
    m_scheduler.resumeReady(index);
    m_stepBudget = 0;
    return true;
}

bool Debugger::allowResume(const sched::RequestCtx& ctx, const sched::CoCtx&)
{
    if (!m_paused && m_break.request != 0 && ctx.requestId == m_break.request) {
        pauseNow();
    }
    if (!m_paused) {
        return true;
    }
    if (m_stepBudget > 0) {
        --m_stepBudget;
        return true;
    }
    return false;
}

void Debugger::onEvent(const trace::Event& event)
{
    if (m_paused && m_stepBudget == 0) {
        return;
    }
    bool hit = false;
    switch (event.kind) {
    case trace::EventKind::CoroutineCreate: {
        const auto type = static_cast<trace::CoroutineType>(event.value);
        hit = (m_break.newRequest &&
               (type == trace::CoroutineType::Entry || type == trace::CoroutineType::Timer)) ||
              (m_break.spawnKill && type == trace::CoroutineType::UserThread);
        break;
    }
    case trace::EventKind::CoroutineKill: hit = m_break.spawnKill; break;
    case trace::EventKind::CoroutineYield:
        hit = (m_break.yieldReasons >> static_cast<unsigned>(event.reason)) & 1u;
        break;
    case trace::EventKind::CoroutineFinish: hit = m_break.error && event.value == 0; break;
    default: break;
    }
    if (hit) {
        pauseNow();
    }
}

Snapshot Debugger::snapshot() const
{
    Snapshot snap;
    snap.paused = m_paused;
    for (const auto& ctx : m_lua.liveRequests()) {
        RequestInfo request;
        request.id = ctx->requestId;
        if (ctx->http) {
            request.method = ctx->http->request.method;
            request.uri = ctx->http->request.uri;
        }
        request.phase = phaseOf(ctx->context);
        request.vmId = ctx->vm ? ctx->vm->id() : 0;
        request.sharedVm = ctx->vm && ctx->vm->isMain();
        for (const auto& co : ctx->coroutines) {
            CoroutineInfo info;
            info.id = co->id;
            info.parentId = co->parent ? co->parent->id : 0;
            info.type = co->type;
            info.status = std::string(sched::coStatusName(co->status));
            info.reason = co->reason;
            info.waitingOn = co->waitingOn;
            info.resumes = co->resumes;
            info.posted = co->posted;
            request.coroutines.push_back(std::move(info));
        }
        for (const sched::CoCtx* co : ctx->posted) {
            request.posted.push_back(co->id);
        }
        snap.requests.push_back(std::move(request));
    }
    for (const auto& entry : m_scheduler.readyList()) {
        snap.ready.push_back({entry.requestId, entry.coroutineId});
    }
    for (const auto& vm : m_lua.liveVms()) {
        VmInfo info;
        info.id = vm->id();
        info.main = vm->isMain();
        info.memoryBytes = vm->memoryBytes();
        for (const auto& row : vm->codeCache().snapshot()) {
            CacheEntry entry;
            entry.key = row.key;
            entry.ref = row.ref;
            entry.chunkName = row.chunkName;
            entry.sourcePath = row.sourcePath;
            entry.bytes = row.bytes;
            entry.loadTimeNs = row.loadTimeNs;
            entry.changedOnDisk =
                !row.sourcePath.empty() && fileChangedSince(row.sourcePath, row.fileMtimeNs);
            info.cache.push_back(std::move(entry));
        }
        info.packageLoaded = packageLoaded(vm->state());
        snap.vms.push_back(std::move(info));
    }
    return snap;
}

} // namespace restyscope::engine::debug
