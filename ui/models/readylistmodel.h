#pragma once
// The Ready list: resumes the debugger holds, in the order Step performs them, with why each
// coroutine is runnable again (what it yielded for, or its first run).

#include "engine/debug/snapshot.h"
#include "ui/models/modelbase.h"

namespace restyscope::ui {

struct QueueRow
{
    int position = 0;
    quint64 requestId = 0;
    quint32 coroutineId = 0;
    QString coroutine; // "user thread 3"
    QString why;
    engine::trace::YieldReason reason = engine::trace::YieldReason::None;
};

namespace queuemodel {
enum Columns { PositionColumn, RequestColumn, CoroutineColumn, WhyColumn, NUM_COLUMNS };
}
using QueueModelBase = TableModelBase<QueueRow, queuemodel::NUM_COLUMNS>;

// Shared by the Ready list and the Posted queue: same columns, different rows.
class QueueModel : public QueueModelBase
{
    Q_OBJECT
public:
    using Columns = queuemodel::Columns;
    using QueueModelBase::QueueModelBase;

protected:
    QVariant cell(const QueueRow& row, int column, int role) const override;
    QString headerText(int column) const override;
};

class ReadyListModel : public QueueModel
{
    Q_OBJECT
public:
    using QueueModel::QueueModel;
    void setSnapshot(const engine::debug::Snapshot& snapshot);
};

// Why a coroutine's resume was queued: the reason it yielded for, or its first run.
QString resumeWhy(const engine::debug::CoroutineInfo* co);

} // namespace restyscope::ui
