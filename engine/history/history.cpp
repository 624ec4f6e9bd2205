#include "engine/history/history.h"

#include "engine/trace/loglevel.h"

#include <algorithm>

namespace restyscope::engine::history {

using trace::CoroutineType;
using trace::EventKind;
using trace::YieldReason;

namespace {

constexpr std::size_t kMaxEngineEvents = 10000; // request-less events kept for a saved trace
constexpr std::size_t kMaxEvictedLive = 4096;   // ids remembered after a live eviction
constexpr std::size_t kAllocation = 16;         // malloc's bookkeeping per heap block
constexpr std::size_t kIndexEntry = 64;         // the id map's node and bucket

std::size_t heap(const std::string& s)
{
    return s.capacity() > 15 ? s.capacity() + 1 + kAllocation : 0;
}

template <typename T> std::size_t heap(const std::vector<T>& v)
{
    return v.capacity() ? v.capacity() * sizeof(T) + kAllocation : 0;
}

// What a finished record holds, counted from its containers' capacities.
std::size_t footprint(const RequestRecord& r)
{
    std::size_t n = sizeof(RequestRecord) + kAllocation + kIndexEntry + heap(r.request) +
                    heap(r.subrequests) + heap(r.phases) + heap(r.coroutines) + heap(r.errors) +
                    heap(r.ending) + heap(r.events) + heap(r.pendingSubrequests);
    for (const auto& phase : r.phases) {
        n += heap(phase.name);
    }
    for (const auto& error : r.errors) {
        n += heap(error.text) + heap(error.source.file);
    }
    for (const auto& co : r.coroutines) {
        n += heap(co.spans) + heap(co.error) + heap(co.errorAt.file) + heap(co.pendingWait);
        for (const auto& span : co.spans) {
            n += heap(span.waitedOn) + heap(span.source.file);
        }
    }
    return n;
}

std::string coroutineName(const CoroutineRecord& co)
{
    return std::string(trace::coroutineTypeName(co.type)) + " " + std::to_string(co.id);
}

CoroutineRecord* findCoroutine(RequestRecord& r, std::uint32_t id)
{
    return const_cast<CoroutineRecord*>(r.coroutine(id));
}

Span* openSpan(CoroutineRecord& co)
{
    return !co.spans.empty() && co.spans.back().open ? &co.spans.back() : nullptr;
}

void closeSpan(CoroutineRecord& co, std::int64_t ns, std::uint64_t seq)
{
    if (Span* span = openSpan(co)) {
        span->open = false;
        span->endNs = ns;
        span->endSeq = seq;
    }
}

void ended(CoroutineRecord& co, CoroutineState state, const trace::Event& e)
{
    closeSpan(co, e.timeNs, e.seq);
    co.state = state;
    co.endedNs = e.timeNs;
}

} // namespace

History::History(Limits limits) : m_limits(limits) {}

History::~History() = default;

void History::setLimits(const Limits& limits)
{
    m_limits = limits;
    evict();
}

void History::clear()
{
    m_records.clear();
    m_byId.clear();
    m_evictedLive.clear();
    m_engineEvents.clear();
    m_evicted = 0;
    m_bytes = 0;
    m_lastSeq = 0;
}

const RequestRecord* History::find(std::uint64_t requestId) const
{
    const auto it = m_byId.find(requestId);
    return it == m_byId.end() ? nullptr : it->second;
}

void History::apply(const trace::Event* events, std::size_t count)
{
    for (std::size_t i = 0; i < count; ++i) {
        apply(events[i]);
    }
}

void History::apply(const trace::Event& event)
{
    m_lastSeq = std::max(m_lastSeq, event.seq);
    if (event.kind == EventKind::EventsDropped) {
        for (auto& record : m_records) {
            record->eventsLost = record->eventsLost || !record->done;
        }
    }
    RequestRecord* record = recordFor(event);
    if (!record) {
        if (event.requestId == 0 && m_limits.keepEvents) {
            if (m_engineEvents.size() == kMaxEngineEvents) {
                m_engineEvents.pop_front();
            }
            m_engineEvents.push_back(event);
        }
        return;
    }
    const bool wasDone = record->done;
    fold(*record, event);
    if (m_limits.keepEvents) {
        record->events.push_back(event);
    }
    if (record->done && !wasDone) {
        // Its containers stop growing: trim them and count what it really holds.
        record->events.shrink_to_fit();
        for (auto& co : record->coroutines) {
            co.spans.shrink_to_fit();
        }
        account(*record, footprint(*record));
    } else {
        account(*record, record->bytes + 64 + (m_limits.keepEvents ? sizeof(trace::Event) : 0));
    }
    evict();
}

RequestRecord* History::recordFor(const trace::Event& event)
{
    if (event.requestId == 0) {
        return nullptr;
    }
    const auto it = m_byId.find(event.requestId);
    if (it != m_byId.end()) {
        return it->second;
    }
    const bool begins = event.kind == EventKind::RequestBegin ||
                        (event.kind == EventKind::TimerFired && event.coroutineId == 0);
    if (!begins) {
        if (std::find(m_evictedLive.begin(), m_evictedLive.end(), event.requestId) !=
            m_evictedLive.end()) {
            return nullptr;
        }
        RequestRecord& record = open(event.requestId, event.timeNs, event.seq);
        record.partial = true;
        return &record;
    }
    return &open(event.requestId, event.timeNs, event.seq);
}

RequestRecord& History::open(std::uint64_t id, std::int64_t ns, std::uint64_t seq)
{
    auto record = std::make_unique<RequestRecord>();
    record->id = id;
    record->beginNs = ns;
    record->endNs = ns;
    record->firstSeq = seq;
    record->bytes = sizeof(RequestRecord) + kIndexEntry;
    m_bytes += record->bytes;
    RequestRecord& ref = *record;
    m_byId.emplace(id, record.get());
    m_records.push_back(std::move(record));
    return ref;
}

void History::fold(RequestRecord& r, const trace::Event& e)
{
    r.lastSeq = e.seq;
    if (!r.done) {
        r.endNs = std::max(r.endNs, e.timeNs);
    }
    if (e.vmId != 0 && r.vm == 0) {
        r.vm = e.vmId;
    }
    CoroutineRecord* co = e.coroutineId ? findCoroutine(r, e.coroutineId) : nullptr;
    if (!co && e.coroutineId && e.kind != EventKind::CoroutineCreate) {
        // Created before the trace began (or its create was dropped).
        CoroutineRecord implicit;
        implicit.id = e.coroutineId;
        implicit.parent = e.parentCoroutineId;
        implicit.type = e.parentCoroutineId           ? CoroutineType::UserThread
                        : r.kind == RecordKind::Timer ? CoroutineType::Timer
                                                      : CoroutineType::Entry;
        implicit.vm = e.vmId;
        implicit.createdNs = e.timeNs;
        implicit.createdSeq = e.seq;
        r.coroutines.push_back(std::move(implicit));
        co = &r.coroutines.back();
    }

    switch (e.kind) {
    case EventKind::RequestBegin:
        r.request = std::string(e.textView());
        r.connection = e.value;
        r.beginNs = e.timeNs;
        break;
    case EventKind::SubrequestBegin: {
        r.kind = RecordKind::Subrequest;
        r.parentRequest = static_cast<std::uint64_t>(e.value);
        if (auto it = m_byId.find(r.parentRequest); it != m_byId.end()) {
            RequestRecord& parent = *it->second;
            parent.subrequests.push_back(r.id);
            // The parent yields with reason subrequest before its children begin: the
            // waiting coroutine waits on them (capture_multi: on all of them).
            bool waiting = false;
            for (auto& co : parent.coroutines) {
                Span* wait = openSpan(co);
                if (wait && wait->kind == Span::Kind::Wait &&
                    wait->reason == YieldReason::Subrequest) {
                    wait->waitedOn += (wait->waitedOn.empty() ? "" : ", ");
                    wait->waitedOn += e.textView();
                    waiting = true;
                }
            }
            if (!waiting) {
                if (!parent.pendingSubrequests.empty()) {
                    parent.pendingSubrequests += ", ";
                }
                parent.pendingSubrequests += e.textView();
            }
        }
        break;
    }
    case EventKind::TimerFired:
        if (e.coroutineId == 0) {
            r.kind = RecordKind::Timer;
            r.request = e.value ? "timer (premature)" : "timer";
        }
        break;
    case EventKind::RequestEnd:
        endRecord(r, e.timeNs);
        r.status = static_cast<int>(e.value);
        break;
    case EventKind::PhaseEnter: r.phases.push_back({std::string(e.textView()), e.timeNs}); break;
    case EventKind::CoroutineCreate: {
        CoroutineRecord created;
        created.id = e.coroutineId;
        created.parent = e.parentCoroutineId;
        created.type = static_cast<CoroutineType>(e.value);
        created.vm = e.vmId;
        created.createdNs = e.timeNs;
        created.createdSeq = e.seq;
        r.coroutines.push_back(std::move(created));
        break;
    }
    case EventKind::CoroutineResume: {
        if (!co) {
            break;
        }
        if (Span* wait = openSpan(*co); wait && wait->kind == Span::Kind::Wait) {
            if (r.lastFinished && r.lastFinishedSeq > wait->beginSeq) {
                wait->wokenBy = r.lastFinished;
                const CoroutineRecord* by = r.coroutine(r.lastFinished);
                if (wait->waitedOn.empty() && wait->reason == YieldReason::ThreadWait && by) {
                    wait->waitedOn = coroutineName(*by);
                }
            }
        }
        closeSpan(*co, e.timeNs, e.seq);
        // A parent that yielded to spawn or resume this coroutine waited on it.
        if (CoroutineRecord* parent = co->parent ? findCoroutine(r, co->parent) : nullptr) {
            Span* wait = openSpan(*parent);
            if (wait && wait->waitedOn.empty() &&
                (wait->reason == YieldReason::ThreadSpawn ||
                 wait->reason == YieldReason::CoroutineResume)) {
                wait->waitedOn = coroutineName(*co);
            }
        }
        Span run;
        run.kind = Span::Kind::Run;
        run.beginNs = e.timeNs;
        run.beginSeq = e.seq;
        co->spans.push_back(std::move(run));
        co->state = CoroutineState::Running;
        ++co->resumes;
        break;
    }
    case EventKind::CoroutineYield: {
        if (!co) {
            break;
        }
        closeSpan(*co, e.timeNs, e.seq);
        Span wait;
        wait.kind = Span::Kind::Wait;
        wait.reason = e.reason;
        wait.beginNs = e.timeNs;
        wait.beginSeq = e.seq;
        // An exit's yield carries the status in its integer, not a line.
        splitYieldText(e.textView(), e.reason == YieldReason::Exit ? 0 : e.value, wait.waitedOn,
                       wait.source);
        // For these the record names the other side better than the scheduler's text
        // (the thread by its lane name once it finishes, the subrequest by its request).
        if (e.reason == YieldReason::ThreadWait || e.reason == YieldReason::Subrequest) {
            wait.waitedOn.clear();
        }
        if (wait.waitedOn.empty() && e.reason == YieldReason::Sleep) {
            wait.waitedOn = co->pendingWait;
        }
        if (wait.waitedOn.empty() && e.reason == YieldReason::Subrequest) {
            wait.waitedOn = r.pendingSubrequests;
        }
        if (e.reason == YieldReason::Exit) {
            wait.waitedOn = "ngx.exit(" + std::to_string(e.value) + ")";
        }
        if (e.reason == YieldReason::Subrequest) {
            r.pendingSubrequests.clear();
        }
        co->pendingWait.clear();
        co->spans.push_back(std::move(wait));
        co->state = CoroutineState::Waiting;
        break;
    }
    case EventKind::CoroutineFinish:
        if (!co) {
            break;
        }
        ended(*co, e.value ? CoroutineState::Finished : CoroutineState::Failed, e);
        r.lastFinished = co->id;
        r.lastFinishedSeq = e.seq;
        if (!e.value) {
            co->error = std::string(e.textView());
            co->errorAt = errorSource(co->error);
            r.errors.push_back({co->id, e.timeNs, co->error, co->errorAt});
        }
        if (r.kind == RecordKind::Timer && co->type == CoroutineType::Timer) {
            endRecord(r, e.timeNs);
        }
        break;
    case EventKind::CoroutineKill:
        if (co) {
            ended(*co, CoroutineState::Killed, e);
        }
        break;
    case EventKind::SleepArmed:
        if (co) {
            co->pendingWait = "sleep " + std::to_string(e.value) + " ms";
        }
        break;
    case EventKind::LogLine:
        if (e.value >= static_cast<std::int64_t>(trace::LogLevel::Error)) {
            const std::string text(e.textView());
            r.errors.push_back({0, e.timeNs, text, errorSource(text)});
        }
        break;
    case EventKind::Output:
        r.outputBytes += static_cast<std::uint64_t>(std::max<std::int64_t>(e.value, 0));
        ++r.outputCalls;
        break;
    case EventKind::Exit: r.ending = "exit " + std::to_string(e.value); break;
    case EventKind::Exec: r.ending = "exec " + std::string(e.textView()); break;
    case EventKind::Redirect:
        r.ending = "redirect " + std::to_string(e.value) + " " + std::string(e.textView());
        break;
    default: break;
    }
}

void History::endRecord(RequestRecord& r, std::int64_t ns)
{
    if (r.done) {
        return;
    }
    r.done = true;
    r.endNs = ns;
    for (auto& co : r.coroutines) {
        if (Span* span = openSpan(co)) {
            span->open = false;
            span->endNs = ns;
        }
        if (co.endedNs == 0 &&
            (co.state == CoroutineState::Waiting || co.state == CoroutineState::Running)) {
            co.state = CoroutineState::Abandoned;
            co.endedNs = ns;
        }
    }
    r.pendingSubrequests.clear();
}

void History::account(RequestRecord& record, std::size_t newBytes)
{
    m_bytes = m_bytes - record.bytes + newBytes;
    record.bytes = newBytes;
}

void History::evict()
{
    while (!m_records.empty() && (m_records.size() > m_limits.maxRequests ||
                                  (m_bytes > m_limits.maxBytes && m_records.size() > 1))) {
        const RequestRecord& oldest = *m_records.front();
        if (!oldest.done) {
            if (m_evictedLive.size() == kMaxEvictedLive) {
                m_evictedLive.pop_front();
            }
            m_evictedLive.push_back(oldest.id);
        }
        m_bytes -= oldest.bytes;
        m_byId.erase(oldest.id);
        m_records.pop_front();
        ++m_evicted;
    }
}

std::vector<trace::Event> History::events() const
{
    std::vector<trace::Event> out(m_engineEvents.begin(), m_engineEvents.end());
    for (const auto& record : m_records) {
        out.insert(out.end(), record->events.begin(), record->events.end());
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const trace::Event& a, const trace::Event& b) { return a.seq < b.seq; });
    return out;
}

} // namespace restyscope::engine::history
