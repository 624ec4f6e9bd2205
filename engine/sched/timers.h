#pragma once
// Design: ngx.timer.at / ngx.timer.every (lua-nginx-module's ngx_http_lua_timer.c). A
// timer keeps its callback and arguments in the registry of the VM that created it (a
// per-request VM lives on while its timers are pending), fires on an Asio steady timer,
// and runs the callback as the entry thread of a fake request (context ngx.timer) with
// `premature` first. When the engine stops, pending timers run once with premature true.

#include "engine/sched/requestctx.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace restyscope::engine::sched {

class Scheduler;

class Timers
{
public:
    explicit Timers(Scheduler& scheduler);
    ~Timers();
    Timers(const Timers&) = delete;
    Timers& operator=(const Timers&) = delete;

    // The callback at funcIndex of L and the nargs values after it. Engine thread.
    void start(lua_State* L, RequestCtx& creator, double delaySeconds, bool every, int funcIndex,
               int nargs);
    std::size_t pendingCount() const { return m_pending.size(); }
    std::size_t runningCount() const { return m_running.size(); }
    // A timer's fake request ended.
    void finished(const std::shared_ptr<RequestCtx>& ctx);
    // Engine shutdown: every pending timer runs now with premature = true.
    void expireAll();

private:
    struct Pending;
    void fire(const std::shared_ptr<Pending>& timer, bool premature);
    void arm(const std::shared_ptr<Pending>& timer);

    Scheduler& m_scheduler;
    std::uint64_t m_lastId = 0;
    std::map<std::uint64_t, std::shared_ptr<Pending>> m_pending;
    std::map<std::uint64_t, std::shared_ptr<RequestCtx>> m_running;
    bool m_exiting = false;
};

} // namespace restyscope::engine::sched
