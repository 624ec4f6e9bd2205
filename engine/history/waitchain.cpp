#include "engine/history/waitchain.h"

#include <cstdio>
#include <cstdlib>

namespace restyscope::engine::history {

namespace {

constexpr int kMaxLinks = 8;

std::string nameOf(const CoroutineRecord& co)
{
    return std::string(trace::coroutineTypeName(co.type)) + " " + std::to_string(co.id);
}

bool alive(const CoroutineRecord& co)
{
    return co.state == CoroutineState::Running || co.state == CoroutineState::Waiting;
}

// The coroutine the chain goes on with after co's wait, if any.
const CoroutineRecord* next(const RequestRecord& r, const CoroutineRecord& co, const Span& wait)
{
    const CoroutineRecord* found = nullptr;
    for (const auto& child : r.coroutines) {
        if (child.parent != co.id || !alive(child)) {
            continue;
        }
        const bool thread = child.type == trace::CoroutineType::UserThread;
        if (wait.reason == trace::YieldReason::ThreadWait && thread) {
            return &child; // the first live thread it may wait on
        }
        if (wait.reason == trace::YieldReason::CoroutineResume && !thread) {
            found = &child; // the last resumed one
        }
    }
    return found;
}

// "sleep 200 ms" -> 200 (ms); -1 when the text is not a sleep.
long sleepMs(const std::string& waitedOn)
{
    if (waitedOn.rfind("sleep ", 0) != 0) {
        return -1;
    }
    return std::strtol(waitedOn.c_str() + 6, nullptr, 10);
}

} // namespace

std::string shortDuration(std::int64_t ns)
{
    char text[32];
    if (ns >= 1'000'000'000) {
        std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(ns) / 1e9);
    } else if (ns >= 1'000'000) {
        std::snprintf(text, sizeof text, "%.1f ms", static_cast<double>(ns) / 1e6);
    } else {
        std::snprintf(text, sizeof text, "%lld us", static_cast<long long>(ns / 1000));
    }
    return text;
}

std::string waitChain(const RequestRecord& r, std::int64_t nowNs)
{
    if (r.done) {
        return {};
    }
    const CoroutineRecord* co = nullptr;
    for (const auto& c : r.coroutines) {
        if (c.parent == 0 && alive(c)) {
            co = &c;
            break;
        }
    }
    if (!co) {
        const std::string phase = r.phases.empty() ? std::string("begun") : r.phases.back().name;
        return phase + " phase, " + shortDuration(nowNs - r.beginNs);
    }
    std::string chain;
    for (int link = 0; co && link < kMaxLinks; ++link) {
        if (!chain.empty()) {
            chain += " -> ";
        }
        chain += nameOf(*co);
        const Span* wait = co->spans.empty() ? nullptr : &co->spans.back();
        if (co->state == CoroutineState::Running || !wait || wait->kind != Span::Kind::Wait) {
            chain += co->state == CoroutineState::Running ? " running" : " not started";
            break;
        }
        const std::int64_t waited = nowNs - wait->beginNs;
        chain += " ";
        chain += trace::yieldReasonName(wait->reason);
        const long ms = wait->reason == trace::YieldReason::Sleep ? sleepMs(wait->waitedOn) : -1;
        if (ms >= 0) {
            chain += " " + shortDuration(waited) + " of " + shortDuration(ms * 1'000'000);
        } else {
            if (!wait->waitedOn.empty()) {
                chain += " " + wait->waitedOn;
            }
            chain += " for " + shortDuration(waited);
        }
        if (wait->source.known()) {
            chain += " at " + wait->source.file + ":" + std::to_string(wait->source.line);
        }
        co = next(r, *co, *wait);
    }
    return chain;
}

} // namespace restyscope::engine::history
