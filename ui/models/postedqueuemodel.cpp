#include "ui/models/postedqueuemodel.h"

#include "ui/models/coroutinetreemodel.h"

namespace restyscope::ui {

void PostedQueueModel::setSnapshot(const engine::debug::Snapshot& snapshot)
{
    QVector<QueueRow> rows;
    for (const auto& request : snapshot.requests) {
        int position = 0;
        for (const auto id : request.posted) {
            QueueRow row;
            row.position = ++position;
            row.requestId = request.id;
            const engine::debug::CoroutineInfo* info = nullptr;
            for (const auto& co : request.coroutines) {
                if (co.id == id) {
                    info = &co;
                }
            }
            row.coroutine = info ? coroutineLabel(info->type, info->id) : QString::number(id);
            row.why = resumeWhy(info);
            row.reason = info ? info->reason : engine::trace::YieldReason::None;
            rows.append(std::move(row));
        }
    }
    setRows(std::move(rows));
}

} // namespace restyscope::ui
