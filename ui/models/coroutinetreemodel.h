#pragma once
// The Coroutines view: each live request of a snapshot with its coroutines as a tree by
// parent id (entry thread -> user threads and user coroutines it made). Finished ones are
// greyed; the head of the ready list (the next resume a step performs) is bold.

#include "engine/debug/snapshot.h"
#include "ui/models/modelbase.h"

namespace restyscope::ui {

struct CoroutineRow
{
    bool isRequest = false;
    quint64 requestId = 0;
    QString requestText; // request rows: "GET /t"
    QString phase;
    engine::debug::CoroutineInfo coroutine;
    bool nextResume = false;
};

namespace coroutinetreemodel {
enum Columns {
    CoroutineColumn,
    StatusColumn,
    ReasonColumn,
    WaitingColumn,
    ResumesColumn,
    NUM_COLUMNS
};
}
using CoroutineTreeModelBase = TreeModelBase<CoroutineRow, coroutinetreemodel::NUM_COLUMNS>;

class CoroutineTreeModel : public CoroutineTreeModelBase
{
    Q_OBJECT
public:
    using Columns = coroutinetreemodel::Columns;
    explicit CoroutineTreeModel(QObject* parent = nullptr);

    void setSnapshot(const engine::debug::Snapshot& snapshot);

protected:
    QVariant cell(const CoroutineRow& row, int column, int role) const override;
    QString headerText(int column) const override;
};

// "user thread 3": the words the views use for a coroutine.
QString coroutineLabel(engine::trace::CoroutineType type, quint32 id);

// What a coroutine is doing, in the user's words: "running", "suspended: sleep", "waiting
// on thread 2", "not started", "done", "zombie". coroutine.status's word (a thread parked
// in ngx.sleep is "running" to Lua, as in lua-nginx-module) goes in the tooltip.
QString coroutineStateText(const engine::debug::CoroutineInfo& co);

} // namespace restyscope::ui
