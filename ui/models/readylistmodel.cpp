#include "ui/models/readylistmodel.h"

#include "ui/models/coroutinetreemodel.h"
#include "ui/models/yieldcolors.h"

#include <QFont>

namespace restyscope::ui {

using namespace queuemodel;

QString resumeWhy(const engine::debug::CoroutineInfo* co)
{
    if (!co) {
        return QObject::tr("unknown");
    }
    if (co->reason != engine::trace::YieldReason::None) {
        return QObject::tr("after %1").arg(yieldReasonText(co->reason));
    }
    return co->resumes == 0 ? QObject::tr("first run") : QObject::tr("resume");
}

QString QueueModel::headerText(int column) const
{
    switch (column) {
    case PositionColumn: return tr("#");
    case RequestColumn: return tr("Request");
    case CoroutineColumn: return tr("Coroutine");
    case WhyColumn: return tr("Why");
    }
    return {};
}

QVariant QueueModel::cell(const QueueRow& row, int column, int role) const
{
    if (role == Qt::DisplayRole) {
        switch (column) {
        case PositionColumn: return QString::number(row.position);
        case RequestColumn: return QString::number(row.requestId);
        case CoroutineColumn: return row.coroutine;
        case WhyColumn: return row.why;
        }
    } else if (role == SortRole) {
        switch (column) {
        case PositionColumn: return row.position;
        case RequestColumn: return row.requestId;
        default: return cell(row, column, Qt::DisplayRole);
        }
    } else if (role == IdRole) {
        return row.coroutineId;
    } else if (role == Qt::DecorationRole && column == WhyColumn) {
        const QColor color = yieldReasonColor(row.reason);
        return color.isValid() ? QVariant(color) : QVariant();
    } else if (role == Qt::FontRole && row.position == 1) {
        QFont font;
        font.setBold(true);
        return font;
    }
    return {};
}

void ReadyListModel::setSnapshot(const engine::debug::Snapshot& snapshot)
{
    QVector<QueueRow> rows;
    for (const auto& ready : snapshot.ready) {
        QueueRow row;
        row.position = static_cast<int>(rows.size()) + 1;
        row.requestId = ready.requestId;
        row.coroutineId = ready.coroutineId;
        const engine::debug::CoroutineInfo* info = nullptr;
        for (const auto& request : snapshot.requests) {
            if (request.id != ready.requestId) {
                continue;
            }
            for (const auto& co : request.coroutines) {
                if (co.id == ready.coroutineId) {
                    info = &co;
                }
            }
        }
        row.coroutine =
            info ? coroutineLabel(info->type, info->id) : QString::number(ready.coroutineId);
        row.why = resumeWhy(info);
        row.reason = info ? info->reason : engine::trace::YieldReason::None;
        rows.append(std::move(row));
    }
    setRows(std::move(rows));
}

} // namespace restyscope::ui
