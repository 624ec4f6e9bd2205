#pragma once
// The Requests view: one row per request, from RequestBegin/PhaseEnter/RequestEnd events
// applied in batches; the VM column comes from snapshots. Bounded: the oldest rows go and
// droppedCount() says how many.

#include "engine/debug/snapshot.h"
#include "engine/trace/event.h"
#include "ui/models/modelbase.h"

#include <QHash>

namespace restyscope::ui {

struct RequestRow
{
    quint64 id = 0;
    QString request; // "GET /api/threads"
    int status = 0;  // 0 while running
    qint64 beginNs = 0;
    qint64 endNs = 0;
    bool done = false;
    QString phase;
    QString vm;      // "main 1" (lua_code_cache on) or "request 4"
    QString waiting; // while running: the chain of waits (history/waitchain.h)
};

namespace requestsmodel {
enum Columns {
    IdColumn,
    RequestColumn,
    StatusColumn,
    DurationColumn,
    PhaseColumn,
    VmColumn,
    WaitingColumn,
    NUM_COLUMNS
};
}
using RequestsModelBase = TableModelBase<RequestRow, requestsmodel::NUM_COLUMNS>;

class RequestsModel : public RequestsModelBase
{
    Q_OBJECT
public:
    using Columns = requestsmodel::Columns;
    explicit RequestsModel(QObject* parent = nullptr, int maxRows = 5000);

    void applyEvents(const QVector<engine::trace::Event>& events);
    // The VM column of live requests, and which VM is the main one (for later events).
    void applySnapshot(const engine::debug::Snapshot& snapshot);
    quint64 droppedCount() const { return m_dropped; }
    // "Why is it stuck": the wait chain of running requests, by id (done rows have none).
    void setWaitChains(const QHash<quint64, QString>& chains);
    // Another prefix: no rows, nothing dropped.
    void clear();

Q_SIGNALS:
    void droppedCountChanged(quint64 dropped);

protected:
    QVariant cell(const RequestRow& row, int column, int role) const override;
    QString headerText(int column) const override;

private:
    int rowOf(quint64 id) const;

    int m_maxRows;
    quint64 m_dropped = 0;
    quint32 m_mainVmId = 0; // from snapshots and main VM create events
};

} // namespace restyscope::ui
