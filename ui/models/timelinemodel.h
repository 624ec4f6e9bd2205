#pragma once
// Design: the Timeline's lanes. The selected requests' records (history/) become one lane
// per request with its coroutines nested under their parents (entry thread -> user threads
// and user coroutines) and its subrequests after them. Each coroutine lane holds its spans:
// runs, and waits with their yield reason. The tree is what QAbstractItemModel shows (and
// what tests print); lanes() is the same rows flattened in paint order for the view. The
// model copies what it draws, so a record evicted from the history keeps its lanes until
// the selection changes.

#include "engine/trace/event.h"
#include "engine/trace/probes.h"
#include "ui/models/modelbase.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QTimer>
#include <QVector>

#include <vector>

namespace restyscope::engine::history {
class History;
struct RequestRecord;
} // namespace restyscope::engine::history

namespace restyscope::ui {

struct TimelineSpan
{
    qint64 beginNs = 0;
    qint64 endNs = 0;
    bool running = false; // a run; else a wait with reason
    bool open = false;    // still going (its end is the record's last event)
    engine::trace::YieldReason reason = engine::trace::YieldReason::None;
    QString waitedOn;
    QString file; // the Lua file of the yield, when known
    int line = 0;
    quint32 wokenBy = 0;
};

struct TimelineMark
{
    qint64 ns = 0;
    QString text; // a phase name
};

struct TimelineLane
{
    bool isRequest = false;
    quint64 requestId = 0;
    quint32 coroutineId = 0; // 0 on request lanes
    int depth = 0;
    QString name;  // "entry 5", "GET /api/threads"
    QString state; // "finished", "waiting", "200", "running"
    qint64 beginNs = 0;
    qint64 endNs = 0;
    QVector<TimelineSpan> spans;
    QVector<TimelineMark> marks;
    QString error;
    QString errorFile;
    int errorLine = 0;
};

namespace timelinemodel {
enum Columns { LaneColumn, StateColumn, StartColumn, DurationColumn, SpansColumn, NUM_COLUMNS };
enum Roles {
    ShapeRole = IdRole + 1, // the spans without their times ("run, sleep [sleep 200 ms], run")
    RequestRole,            // the lane's request id
};
} // namespace timelinemodel
using TimelineModelBase = TreeModelBase<TimelineLane, timelinemodel::NUM_COLUMNS>;

class TimelineModel : public TimelineModelBase
{
    Q_OBJECT
public:
    using Columns = timelinemodel::Columns;
    explicit TimelineModel(QObject* parent = nullptr);

    // The history the lanes come from; it must outlive the model (or be set to null first).
    void setHistory(const engine::history::History* history);
    // Shows these requests (their subrequests come along); an empty list shows nothing.
    void showRequests(const QList<quint64>& requestIds);
    QList<quint64> shownRequests() const { return m_shown; }
    // After the history applied a batch: rebuilds when a shown record changed (the waterfall:
    // at most every 300 ms).
    void refresh();
    // The waterfall (the browser network panel's): one lane per request of the history (the
    // newest 2,000), its entry thread's runs and waits on it, so concurrency and queueing
    // across requests show.
    // showRequests() leaves it.
    void showWaterfall();
    bool waterfall() const { return m_waterfall; }

    // Time travel: the lanes as they were once the event numbered seq had happened (replayed
    // from the records' events); 0 returns to the present. showRequests() returns too.
    void setCutoff(std::uint64_t seq);
    std::uint64_t cutoff() const { return m_cutoff; }
    qint64 cutoffNs() const { return m_cutoffNs; } // that event's time (0: none)
    // The shown requests' events (their subrequests' too), in order: the scrubber's steps.
    std::vector<engine::trace::Event> shownEvents() const;
    void clear();

    const QVector<TimelineLane>& lanes() const { return m_lanes; }
    qint64 originNs() const { return m_originNs; } // the earliest shown begin
    qint64 endNs() const { return m_endNs; }       // the latest shown end
    bool live() const { return m_live; }           // a shown request is still running

Q_SIGNALS:
    void lanesChanged();
    void waterfallChanged(bool on);

protected:
    QVariant cell(const TimelineLane& row, int column, int role) const override;
    QString headerText(int column) const override;

private:
    void rebuild();
    void addRecord(const engine::history::RequestRecord& record, int parentNode, int depth);
    void buildWaterfall();
    void setWaterfall(bool on);

    const engine::history::History* m_history = nullptr;
    QList<quint64> m_shown;
    QVector<quint64> m_seen; // lastSeq of each shown record at the last build (0: missing)
    QVector<TimelineLane> m_lanes;
    qint64 m_originNs = 0;
    qint64 m_endNs = 0;
    bool m_live = false;
    bool m_waterfall = false;
    std::uint64_t m_builtAtSeq = 0; // the history's lastSeq at the last waterfall build
    QTimer* m_coalesce;             // one waterfall rebuild per interval
    QHash<quint64, TimelineLane> m_waterfallCache; // finished requests' waterfall lanes
    std::uint64_t m_cutoff = 0;
    qint64 m_cutoffNs = 0;
    const engine::history::History* m_source = nullptr; // during a rebuild: the records read
};

// "12.3 ms", "850 us", "1.25 s".
QString durationText(qint64 ns);

} // namespace restyscope::ui
