#include "ui/models/timelinemodel.h"

#include "engine/history/history.h"
#include "ui/models/coroutinetreemodel.h"
#include "ui/models/yieldcolors.h"

#include <algorithm>
#include <memory>

namespace restyscope::ui {

using engine::history::CoroutineRecord;
using engine::history::RecordKind;
using engine::history::RequestRecord;
using engine::history::Span;

namespace {

constexpr int kMaxSpansInText = 24; // the Spans column; the view draws them all
// The waterfall's lanes: the newest requests of the history. A rebuild costs ~10 us a lane
// (measured under wrk -c 50), so 10,000 lanes would stall the GUI for 100 ms each time.
constexpr std::size_t kMaxWaterfallLanes = 2000;

QString fromStd(std::string_view s)
{
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

QString spanWords(const TimelineSpan& span)
{
    if (span.running) {
        return QStringLiteral("run");
    }
    QString text = yieldReasonText(span.reason);
    if (text.isEmpty()) {
        text = QStringLiteral("wait");
    }
    if (!span.waitedOn.isEmpty()) {
        text += QStringLiteral(" [") + span.waitedOn + QLatin1Char(']');
    }
    return text;
}

QString spansText(const TimelineLane& lane, bool withTimes)
{
    QStringList parts;
    for (const auto& span : lane.spans) {
        if (parts.size() == kMaxSpansInText) {
            parts << QStringLiteral("... %1 more").arg(lane.spans.size() - kMaxSpansInText);
            break;
        }
        QString text = spanWords(span);
        if (withTimes) {
            text += QLatin1Char(' ') + durationText(span.endNs - span.beginNs);
        }
        parts << text;
    }
    return parts.join(QStringLiteral(", "));
}

// Coroutines of a record in tree order (each after its parent, children in creation order).
void appendChildren(const RequestRecord& record, std::uint32_t parent, int depth,
                    QVector<QPair<const CoroutineRecord*, int>>& out)
{
    for (const auto& co : record.coroutines) {
        const bool child =
            co.parent == parent || (parent == 0 && co.parent != 0 && !record.coroutine(co.parent));
        if (child && co.id != parent) {
            out.append({&co, depth});
            appendChildren(record, co.id, depth + 1, out);
        }
    }
}

} // namespace

QString durationText(qint64 ns)
{
    const double abs = static_cast<double>(ns < 0 ? -ns : ns);
    if (abs >= 1e9) {
        return QString::number(static_cast<double>(ns) / 1e9, 'f', 2) + QStringLiteral(" s");
    }
    if (abs >= 1e6) {
        return QString::number(static_cast<double>(ns) / 1e6, 'f', abs >= 1e8 ? 0 : 1) +
               QStringLiteral(" ms");
    }
    return QString::number(static_cast<double>(ns) / 1e3, 'f', 0) + QStringLiteral(" us");
}

TimelineModel::TimelineModel(QObject* parent)
    : TimelineModelBase(parent), m_coalesce(new QTimer(this))
{
    m_coalesce->setSingleShot(true);
    m_coalesce->setInterval(300);
    connect(m_coalesce, &QTimer::timeout, this, [this] {
        if (m_waterfall) {
            rebuild();
        }
    });
}

void TimelineModel::setWaterfall(bool on)
{
    if (!on) {
        m_waterfallCache.clear(); // another history (or engine) may reuse the ids
    }
    if (m_waterfall != on) {
        m_waterfall = on;
        Q_EMIT waterfallChanged(on);
    }
}

void TimelineModel::showWaterfall()
{
    setWaterfall(true);
    rebuild();
}

void TimelineModel::setHistory(const engine::history::History* history)
{
    m_history = history;
    m_waterfallCache.clear();
    rebuild();
}

void TimelineModel::showRequests(const QList<quint64>& requestIds)
{
    setWaterfall(false);
    m_cutoff = 0;
    m_shown = requestIds;
    rebuild();
}

void TimelineModel::clear()
{
    setWaterfall(false);
    m_shown.clear();
    rebuild();
}

void TimelineModel::setCutoff(std::uint64_t seq)
{
    if (m_cutoff != seq) {
        m_cutoff = seq;
        rebuild();
    }
}

std::vector<engine::trace::Event> TimelineModel::shownEvents() const
{
    std::vector<engine::trace::Event> events;
    if (!m_history || m_waterfall) {
        return events;
    }
    auto add = [&](const RequestRecord* record) {
        if (record) {
            events.insert(events.end(), record->events.begin(), record->events.end());
        }
    };
    for (const quint64 id : m_shown) {
        const RequestRecord* record = m_history->find(id);
        add(record);
        if (record) {
            for (const auto sub : record->subrequests) {
                add(m_history->find(sub));
            }
        }
    }
    std::sort(events.begin(), events.end(),
              [](const auto& a, const auto& b) { return a.seq < b.seq; });
    return events;
}

void TimelineModel::refresh()
{
    if (m_cutoff) {
        return; // the past does not change
    }
    if (m_waterfall) {
        if (m_history && m_history->lastSeq() != m_builtAtSeq && !m_coalesce->isActive()) {
            m_coalesce->start();
        }
        return;
    }
    if (!m_history || m_shown.isEmpty()) {
        return;
    }
    // Rebuild when a shown record (or one of its subrequests) moved on; a record that left
    // the history keeps its lanes.
    bool changed = false;
    int i = 0;
    for (const quint64 id : std::as_const(m_shown)) {
        const RequestRecord* record = m_history->find(id);
        if (record) {
            std::uint64_t last = record->lastSeq;
            for (const auto sub : record->subrequests) {
                if (const auto* child = m_history->find(sub)) {
                    last = std::max(last, child->lastSeq);
                }
            }
            changed = changed || (i < m_seen.size() && m_seen[i] != last) || i >= m_seen.size();
        }
        ++i;
    }
    if (changed) {
        rebuild();
    }
}

void TimelineModel::rebuild()
{
    beginResetModel();
    clearNodes();
    m_lanes.clear();
    m_seen.clear();
    m_originNs = 0;
    m_endNs = 0;
    m_live = false;
    m_cutoffNs = 0;
    m_source = m_history;
    std::unique_ptr<engine::history::History> replay;
    if (m_history && m_cutoff && !m_waterfall) {
        // Time travel: the shown records as they were once the cutoff event was applied.
        replay = std::make_unique<engine::history::History>();
        for (const auto& event : shownEvents()) {
            if (event.seq > m_cutoff) {
                break;
            }
            replay->apply(event);
            m_cutoffNs = event.timeNs;
        }
        m_source = replay.get();
    }
    if (m_history && m_waterfall) {
        buildWaterfall();
    } else if (m_history) {
        for (const quint64 id : std::as_const(m_shown)) {
            const RequestRecord* record = m_source->find(id);
            std::uint64_t last = 0;
            if (record) {
                addRecord(*record, -1, 0);
                last = record->lastSeq;
                for (const auto sub : record->subrequests) {
                    if (const auto* child = m_history->find(sub)) {
                        last = std::max(last, child->lastSeq);
                    }
                }
            }
            m_seen.append(last);
        }
    }
    if (replay) {
        // The axis keeps the whole requests' time; the lanes end at the cutoff.
        bool first = true;
        for (const quint64 id : std::as_const(m_shown)) {
            if (const RequestRecord* record = m_history->find(id)) {
                m_originNs =
                    first ? record->beginNs : std::min<qint64>(m_originNs, record->beginNs);
                m_endNs = std::max<qint64>(m_endNs, record->endNs);
                first = false;
            }
        }
        m_live = false;
    }
    m_source = m_history;
    endResetModel();
    Q_EMIT lanesChanged();
}

void TimelineModel::buildWaterfall()
{
    m_builtAtSeq = m_history->lastSeq();
    const std::size_t count = m_history->size();
    const std::size_t first = count > kMaxWaterfallLanes ? count - kMaxWaterfallLanes : 0;
    m_lanes.reserve(static_cast<int>(count - first));
    // A finished request's lane never changes: it is built once and then shared (Qt's
    // implicit sharing), so a rebuild under load costs little more than the new requests.
    QHash<quint64, TimelineLane> kept;
    kept.reserve(static_cast<qsizetype>(count - first));
    for (std::size_t i = first; i < count; ++i) {
        const RequestRecord& record = m_history->at(i);
        if (m_lanes.isEmpty() || record.beginNs < m_originNs) {
            m_originNs = record.beginNs;
        }
        m_endNs = std::max<qint64>(m_endNs, record.endNs);
        m_live = m_live || !record.done;
        if (record.done) {
            const auto cached = m_waterfallCache.constFind(record.id);
            if (cached != m_waterfallCache.cend()) {
                kept.insert(record.id, cached.value());
                addNode(cached.value(), -1);
                m_lanes.append(cached.value());
                continue;
            }
        }
        TimelineLane lane;
        lane.isRequest = true;
        lane.requestId = record.id;
        lane.name = QStringLiteral("#%1 %2").arg(record.id).arg(fromStd(record.request));
        lane.state = !record.done    ? QStringLiteral("running")
                     : record.status ? QString::number(record.status)
                                     : QStringLiteral("done");
        lane.beginNs = record.beginNs;
        lane.endNs = record.endNs;
        // The entry (or timer) thread's runs and waits: where the request spent its time.
        for (const auto& co : record.coroutines) {
            if (co.parent != 0) {
                continue;
            }
            for (const Span& span : co.spans) {
                TimelineSpan s;
                s.beginNs = span.beginNs;
                s.open = span.open;
                s.endNs = span.open ? record.endNs : span.endNs;
                s.running = span.kind == Span::Kind::Run;
                s.reason = span.reason;
                s.waitedOn = fromStd(span.waitedOn);
                s.file = fromStd(span.source.file);
                s.line = span.source.line;
                lane.spans.append(std::move(s));
            }
            break;
        }
        if (record.done) {
            kept.insert(record.id, lane);
        }
        addNode(lane, -1);
        m_lanes.append(std::move(lane));
    }
    m_waterfallCache.swap(kept);
}

void TimelineModel::addRecord(const RequestRecord& record, int parentNode, int depth)
{
    if (m_lanes.isEmpty() || record.beginNs < m_originNs) {
        m_originNs = record.beginNs;
    }
    m_endNs = std::max<qint64>(m_endNs, record.endNs);
    m_live = m_live || !record.done;

    TimelineLane head;
    head.isRequest = true;
    head.requestId = record.id;
    head.depth = depth;
    head.name =
        record.kind == RecordKind::Timer ? fromStd(record.request) : fromStd(record.request);
    if (record.kind == RecordKind::Subrequest) {
        head.name = QStringLiteral("subrequest ") + head.name;
    }
    head.state = !record.done    ? QStringLiteral("running")
                 : record.status ? QString::number(record.status)
                                 : QStringLiteral("done");
    head.beginNs = record.beginNs;
    head.endNs = record.endNs;
    for (const auto& phase : record.phases) {
        head.marks.append({phase.ns, fromStd(phase.name)});
    }
    if (!record.errors.empty()) {
        const auto& error = record.errors.front();
        head.error = fromStd(error.text);
        head.errorFile = fromStd(error.source.file);
        head.errorLine = error.source.line;
    }
    const int headNode = addNode(head, parentNode);
    m_lanes.append(head);

    QVector<QPair<const CoroutineRecord*, int>> ordered;
    appendChildren(record, 0, 0, ordered);
    QVector<int> nodeOf; // node number per depth, for nesting
    for (const auto& [co, coDepth] : ordered) {
        TimelineLane lane;
        lane.requestId = record.id;
        lane.coroutineId = co->id;
        lane.depth = depth + 1 + coDepth;
        lane.name = coroutineLabel(co->type, co->id);
        lane.state = fromStd(engine::history::coroutineStateName(co->state));
        lane.beginNs = co->createdNs;
        lane.endNs = co->endedNs ? co->endedNs : record.endNs;
        lane.error = fromStd(co->error);
        lane.errorFile = fromStd(co->errorAt.file);
        lane.errorLine = co->errorAt.line;
        lane.spans.reserve(static_cast<int>(co->spans.size()));
        for (const Span& span : co->spans) {
            TimelineSpan s;
            s.beginNs = span.beginNs;
            s.open = span.open;
            s.endNs = span.open ? record.endNs : span.endNs;
            s.running = span.kind == Span::Kind::Run;
            s.reason = span.reason;
            s.waitedOn = fromStd(span.waitedOn);
            s.file = fromStd(span.source.file);
            s.line = span.source.line;
            s.wokenBy = span.wokenBy;
            lane.spans.append(std::move(s));
        }
        nodeOf.resize(coDepth + 1);
        const int parent = coDepth == 0 ? headNode : nodeOf[coDepth - 1];
        nodeOf[coDepth] = addNode(lane, parent);
        m_lanes.append(std::move(lane));
    }
    if (m_source) {
        for (const auto sub : record.subrequests) {
            if (const auto* child = m_source->find(sub)) {
                addRecord(*child, headNode, depth + 1);
            }
        }
    }
}

QVariant TimelineModel::cell(const TimelineLane& row, int column, int role) const
{
    if (role == IdRole) {
        return row.isRequest ? QVariant::fromValue(row.requestId)
                             : QVariant::fromValue(row.coroutineId);
    }
    if (role == timelinemodel::RequestRole) {
        return QVariant::fromValue(row.requestId);
    }
    if (role == timelinemodel::ShapeRole && column == Columns::SpansColumn) {
        return spansText(row, false);
    }
    if (role == SortRole) {
        switch (column) {
        case Columns::StartColumn: return row.beginNs;
        case Columns::DurationColumn: return row.endNs - row.beginNs;
        default: break;
        }
    }
    if (role != Qt::DisplayRole && role != timelinemodel::ShapeRole && role != SortRole) {
        if (role == Qt::ToolTipRole && !row.error.isEmpty()) {
            return row.error;
        }
        return {};
    }
    switch (column) {
    case Columns::LaneColumn: return row.name;
    case Columns::StateColumn: return row.state;
    case Columns::StartColumn:
        return role == timelinemodel::ShapeRole ? QVariant()
                                                : QVariant(durationText(row.beginNs - m_originNs));
    case Columns::DurationColumn:
        return role == timelinemodel::ShapeRole ? QVariant()
                                                : QVariant(durationText(row.endNs - row.beginNs));
    case Columns::SpansColumn: return spansText(row, true);
    default: return {};
    }
}

QString TimelineModel::headerText(int column) const
{
    switch (column) {
    case Columns::LaneColumn: return tr("Lane");
    case Columns::StateColumn: return tr("State");
    case Columns::StartColumn: return tr("Start");
    case Columns::DurationColumn: return tr("Duration");
    case Columns::SpansColumn: return tr("Runs and waits");
    default: return {};
    }
}

} // namespace restyscope::ui
