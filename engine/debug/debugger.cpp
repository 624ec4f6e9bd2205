#include "engine/debug/debugger.h"

#include "engine/api/clock.h"
#include "engine/http/connection.h"
#include "engine/runtime/vm.h"
#include "engine/sched/luamodule.h"

#include <lua.hpp>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string_view>
#include <unordered_map>

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

// package.searchpath's answer, without running Lua: the first template of searchPath
// ("a/?.lua;b/?.lua") whose file exists. Remembered, as snapshots come often.
std::string moduleFile(const std::string& name, const std::string& searchPath)
{
    thread_local std::unordered_map<std::string, std::string> found;
    const std::string key = searchPath + '\n' + name;
    if (const auto it = found.find(key); it != found.end()) {
        return it->second;
    }
    std::string file = name;
    std::replace(file.begin(), file.end(), '.', '/');
    std::string result;
    std::size_t start = 0;
    while (start <= searchPath.size() && result.empty()) {
        auto end = searchPath.find(';', start);
        if (end == std::string::npos) {
            end = searchPath.size();
        }
        std::string candidate = searchPath.substr(start, end - start);
        for (auto q = candidate.find('?'); q != std::string::npos; q = candidate.find('?', q)) {
            candidate.replace(q, 1, file);
            q += file.size();
        }
        struct stat info
        {
        };
        if (!candidate.empty() && ::stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode)) {
            result = candidate;
        }
        start = end + 1;
    }
    if (found.size() < 4096) {
        found.emplace(key, result);
    }
    return result;
}

// Beside packageLoaded(L): where each module was found, "" when not on the search paths.
std::vector<std::string> packageFiles(lua_State* L, const std::vector<std::string>& names)
{
    lua_getglobal(L, "package"); /* stack: package */
    lua_getfield(L, -1, "path");
    lua_getfield(L, -2, "cpath"); /* stack: package, path, cpath */
    const std::string path = lua_isstring(L, -2) ? lua_tostring(L, -2) : "";
    const std::string cpath = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
    lua_pop(L, 3); /* stack: (empty) */
    std::vector<std::string> files;
    files.reserve(names.size());
    for (const auto& name : names) {
        // package.loaded also holds the standard libraries and ngx: not files.
        lua_getglobal(L, "package");
        lua_getfield(L, -1, "preload");
        lua_getfield(L, -1, name.c_str());
        const bool preloaded = !lua_isnil(L, -1);
        lua_pop(L, 3);
        std::string file = preloaded ? std::string() : moduleFile(name, path);
        if (file.empty() && !preloaded) {
            file = moduleFile(name, cpath);
        }
        files.push_back(std::move(file));
    }
    return files;
}

// The line hook is a plain C function: it finds its debugger here (engine thread only).
thread_local Debugger* t_lineDebugger = nullptr;

bool sourceMatches(std::string_view source, std::string_view file)
{
    if (!source.empty() && (source.front() == '@' || source.front() == '=')) {
        source.remove_prefix(1);
    }
    if (source.size() < file.size() || source.substr(source.size() - file.size()) != file) {
        return false;
    }
    return source.size() == file.size() || source[source.size() - file.size() - 1] == '/';
}

double wallSeconds()
{
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

Debugger::Debugger(sched::Scheduler& scheduler, sched::LuaModule& lua, trace::Tracer& tracer,
                   std::function<void(std::function<void()>)> post)
    : m_scheduler(scheduler), m_lua(lua), m_tracer(tracer), m_post(std::move(post))
{
    m_scheduler.setResumeGate(this);
    m_tracer.attach(this);
    t_lineDebugger = this;
    // ngx.now() leaves out the time spent stopped at lines.
    api::setTimeSource([this] { return wallSeconds() - static_cast<double>(m_stoppedNs) / 1e9; });
}

Debugger::~Debugger()
{
    api::setTimeSource({});
    m_lineBreakpoints.clear();
    m_lineStep.reset();
    updateHooks();
    if (t_lineDebugger == this) {
        t_lineDebugger = nullptr;
    }
    m_tracer.detach(this);
    m_scheduler.setResumeGate(nullptr);
}

void Debugger::bindToCurrentThread()
{
    t_lineDebugger = this;
}

void Debugger::updateHooks()
{
    const bool wanted = !m_lineBreakpoints.empty() || m_lineStep.has_value();
    for (const auto& vm : m_lua.liveVms()) {
        // The VM combines it with the instruction budget's count hook (one hook per state).
        vm->setLineHook(wanted ? &Debugger::lineHook : nullptr);
    }
}

void Debugger::prepareVm(lua_State* L)
{
    if (!m_lineBreakpoints.empty() || m_lineStep) {
        if (runtime::Vm* vm = runtime::Vm::fromState(L)) {
            vm->setLineHook(&Debugger::lineHook);
        }
    }
}

void Debugger::setLineBreakpoint(const LineBreakpoint& breakpoint)
{
    m_lineBreakpoints.insert(breakpoint);
    m_breakLines.insert(breakpoint.line);
    updateHooks();
}

void Debugger::clearLineBreakpoint(const LineBreakpoint& breakpoint)
{
    m_lineBreakpoints.erase(breakpoint);
    m_breakLines.clear();
    for (const auto& b : m_lineBreakpoints) {
        m_breakLines.insert(b.line);
    }
    updateHooks();
}

std::vector<LineBreakpoint> Debugger::lineBreakpoints() const
{
    return {m_lineBreakpoints.begin(), m_lineBreakpoints.end()};
}

void Debugger::lineHook(lua_State* L, lua_Debug* ar)
{
    if (t_lineDebugger) {
        t_lineDebugger->onLine(L, ar);
    }
}

void Debugger::onLine(lua_State* L, lua_Debug* ar)
{
    if (m_inLineStop) {
        return;
    }
    if (!m_heldLines.empty() && reentersLine(L, ar->currentline)) {
        return;
    }
    const bool stepping = m_lineStep && L == m_stepCoroutine;
    if (!stepping && m_breakLines.count(ar->currentline) == 0) {
        return; // the common case: one set lookup per line while breakpoints exist
    }
    lua_getinfo(L, "S", ar);
    const std::string source = ar->source ? ar->source : "";
    if (stepping) {
        const int depth = stackDepth(L);
        const bool stop = *m_lineStep == LineStep::Into ||
                          (*m_lineStep == LineStep::Over && depth <= m_stepDepth) ||
                          (*m_lineStep == LineStep::Out && depth < m_stepDepth);
        if (stop) {
            stopAtLine(L, source, ar->currentline, "step");
            return;
        }
    }
    for (const auto& breakpoint : m_lineBreakpoints) {
        if (breakpoint.line == ar->currentline && sourceMatches(source, breakpoint.file)) {
            stopAtLine(L, source, ar->currentline, "breakpoint");
            return;
        }
    }
}

bool Debugger::reentersLine(lua_State* L, int line)
{
    const auto held = std::find_if(m_heldLines.begin(), m_heldLines.end(),
                                   [L](const HeldLine& h) { return h.state == L; });
    if (held == m_heldLines.end()) {
        return false;
    }
    const int depth = stackDepth(L);
    if (depth > held->depth) {
        held->away = true; // in a function the line calls; it comes back to the line
        return false;
    }
    if (held->away && held->line == line && depth == held->depth) {
        held->away = false;
        return true; // back on the line from a call or a yield: the hook's repeat
    }
    m_heldLines.erase(held); // it left the line (or looped back to it: a new pass)
    return false;
}

void Debugger::noteResume(const trace::Event& event)
{
    for (auto it = m_heldLines.begin(); it != m_heldLines.end();) {
        if (it->requestId != event.requestId || it->coroutineId != event.coroutineId) {
            ++it;
        } else if (event.kind == trace::EventKind::CoroutineResume) {
            (it++)->away = true;
        } else {
            it = m_heldLines.erase(it); // finished or killed: its lua_State may be reused
        }
    }
}

void Debugger::resumeFailed(const sched::RequestCtx& ctx, const sched::CoCtx& co, int)
{
    if (!m_break.error || m_inLineStop) {
        return;
    }
    lua_State* L = co.co;
    const char* message = lua_tostring(L, -1);
    // The raising line: the innermost Lua frame (level 0 may be error() itself, a C function).
    // LuaJIT no longer knows the pc of the frame that raised once lua_resume has returned
    // (currentline -1); the message it positioned then ("src:line: ...") still has the line.
    lua_Debug ar{};
    int line = 0;
    std::string source;
    for (int level = 0; lua_getstack(L, level, &ar) != 0; ++level) {
        lua_getinfo(L, "Sl", &ar);
        if (*ar.what == 'C') {
            continue;
        }
        source = ar.source ? ar.source : "";
        line = ar.currentline;
        const std::string_view text = message ? message : "";
        const std::string_view src = ar.short_src;
        if (line <= 0 && text.starts_with(src) && text.size() > src.size() &&
            text[src.size()] == ':') {
            line = std::atoi(text.data() + src.size() + 1);
        }
        m_errorFrameLine = line;
        break;
    }
    m_errorStopRequest = ctx.requestId;
    stopAtLine(L, source, line, "error", message ? message : "(error object is not a string)");
    // The coroutine has failed: a line step has nowhere to go, it runs on as Continue does.
    m_lineStep.reset();
    m_errorFrameLine = 0;
    updateHooks();
}

void Debugger::stopAtLine(lua_State* L, const std::string& source, int line, const char* reason,
                          const std::string& error)
{
    LineStop stop;
    const sched::RequestCtx* ctx = sched::RequestCtx::of(L);
    const sched::CoCtx* co = sched::RequestCtx::coOf(L);
    stop.requestId = ctx ? ctx->requestId : 0;
    stop.coroutineId = co ? co->id : 0;
    std::erase_if(m_heldLines, [L](const HeldLine& h) { return h.state == L; });
    m_heldLines.push_back({L, stop.requestId, stop.coroutineId, line, stackDepth(L), false});
    stop.source = source;
    stop.line = line;
    stop.reason = reason;
    stop.error = error;
    m_lineStop = stop;
    m_stoppedState = L;
    m_lineStep.reset();
    const auto began = std::chrono::steady_clock::now();
    RESTYSCOPE_PROBE(
        m_tracer, DebuggerPaused,
        .request(stop.requestId).coroutine(stop.coroutineId).value(line).textTail(source));
    {
        std::lock_guard lock(m_commandMutex);
        m_inLineStop = true;
    }
    if (m_onLineStop) {
        m_onLineStop(stop);
    }
    // Nothing else runs: the engine thread serves inspection commands until told to go on.
    for (;;) {
        std::function<void()> command;
        {
            std::unique_lock lock(m_commandMutex);
            m_commandReady.wait(lock, [this] { return !m_commands.empty() || !m_inLineStop; });
            if (m_commands.empty()) {
                break;
            }
            command = std::move(m_commands.front());
            m_commands.pop_front();
        }
        command();
    }
    m_stoppedNs += std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::steady_clock::now() - began)
                       .count();
    m_lineStop.reset();
    m_stoppedState = nullptr;
    updateHooks();
}

void Debugger::submit(std::function<void()> command)
{
    {
        std::lock_guard lock(m_commandMutex);
        if (m_inLineStop) {
            m_commands.push_back(std::move(command));
            m_commandReady.notify_one();
            return;
        }
    }
    m_post(std::move(command));
}

bool Debugger::requestView(std::vector<VariableInfo>& out) const
{
    if (!m_stoppedState || !sched::RequestCtx::of(m_stoppedState)) {
        return false;
    }
    static constexpr const char* kViews[][2] = {
        {"ngx.ctx", "ngx.ctx"},
        {"ngx.var.request_method", "ngx.var.request_method"},
        {"ngx.var.uri", "ngx.var.uri"},
        {"ngx.var.args", "ngx.var.args"},
        {"ngx.var.request_uri", "ngx.var.request_uri"},
        {"ngx.var.host", "ngx.var.host"},
        {"ngx.var.remote_addr", "ngx.var.remote_addr"},
        {"ngx.status", "ngx.status"},
    };
    for (const auto& [name, expression] : kViews) {
        std::vector<VariableInfo> result;
        std::string error;
        if (evaluate(m_stoppedState, 0, expression, result, error) && !result.empty()) {
            out.push_back({name, result.front().type, result.front().value});
        } else {
            out.push_back({name, "error", error});
        }
    }
    return true;
}

void Debugger::resumeFromLine(std::optional<LineStep> step)
{
    if (!m_stoppedState) {
        return;
    }
    if (step) {
        m_lineStep = step;
        m_stepCoroutine = m_stoppedState;
        m_stepDepth = stackDepth(m_stoppedState);
    }
    std::lock_guard lock(m_commandMutex);
    m_inLineStop = false;
    m_commandReady.notify_one();
}

std::vector<FrameInfo> Debugger::stack() const
{
    if (!m_stoppedState) {
        return {};
    }
    std::vector<FrameInfo> frames = stackOf(m_stoppedState);
    // Stopped on an error: the failed frame's line comes from the error (see resumeFailed).
    for (auto& frame : frames) {
        if (m_errorFrameLine > 0 && frame.what != "C") {
            if (frame.line <= 0) {
                frame.line = m_errorFrameLine;
            }
            break;
        }
    }
    return frames;
}

bool Debugger::locals(int frame, std::vector<VariableInfo>& out) const
{
    return m_stoppedState && localsOf(m_stoppedState, frame, out);
}

bool Debugger::upvalues(int frame, std::vector<VariableInfo>& out) const
{
    return m_stoppedState && upvaluesOf(m_stoppedState, frame, out);
}

bool Debugger::eval(int frame, const std::string& expression, std::vector<VariableInfo>& out,
                    std::string& error) const
{
    if (!m_stoppedState) {
        error = "not stopped at a line";
        return false;
    }
    return evaluate(m_stoppedState, frame, expression, out, error);
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
    if (!m_heldLines.empty() && (event.kind == trace::EventKind::CoroutineResume ||
                                 event.kind == trace::EventKind::CoroutineFinish ||
                                 event.kind == trace::EventKind::CoroutineKill)) {
        noteResume(event);
    }
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
    case trace::EventKind::CoroutineFinish:
        // A failed coroutine that stopped at its raising line does not pause again after.
        hit = m_break.error && event.value == 0 && event.requestId != m_errorStopRequest;
        break;
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
            request.parentId = ctx->http->request.parentId;
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
            entry.hits = row.hits;
            entry.changedOnDisk =
                !row.sourcePath.empty() && fileChangedSince(row.sourcePath, row.fileMtimeNs);
            info.cache.push_back(std::move(entry));
        }
        info.packageLoaded = packageLoaded(vm->state());
        info.packageFiles = packageFiles(vm->state(), info.packageLoaded);
        snap.vms.push_back(std::move(info));
    }
    return snap;
}

} // namespace restyscope::engine::debug
