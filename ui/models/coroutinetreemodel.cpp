#include "ui/models/coroutinetreemodel.h"

#include "ui/models/yieldcolors.h"

#include <QBrush>
#include <QFont>
#include <QHash>
#include <QPalette>

namespace restyscope::ui {

using namespace coroutinetreemodel;

QString coroutineLabel(engine::trace::CoroutineType type, quint32 id)
{
    return coroutineTypeText(type) + QLatin1Char(' ') + QString::number(id);
}

QString coroutineStateText(const engine::debug::CoroutineInfo& co)
{
    using engine::trace::YieldReason;
    if (co.status == "dead") {
        return QObject::tr("done");
    }
    if (co.status == "zombie") {
        return QObject::tr("zombie");
    }
    if (co.reason == YieldReason::ThreadWait) {
        return co.waitingOn.empty()
                   ? QObject::tr("waiting on a thread")
                   : QObject::tr("waiting on %1").arg(QString::fromStdString(co.waitingOn));
    }
    if (co.reason != YieldReason::None) {
        return QObject::tr("suspended: %1").arg(yieldReasonText(co.reason));
    }
    if (co.resumes == 0) {
        return QObject::tr("not started");
    }
    // No reason and resumed: it runs now (stopped at a line, or it resumed a coroutine).
    return co.status == "normal" ? QObject::tr("resuming a coroutine") : QObject::tr("running");
}

CoroutineTreeModel::CoroutineTreeModel(QObject* parent) : CoroutineTreeModelBase(parent) {}

void CoroutineTreeModel::setSnapshot(const engine::debug::Snapshot& snapshot)
{
    beginResetModel();
    clearNodes();
    for (const auto& request : snapshot.requests) {
        CoroutineRow head;
        head.isRequest = true;
        head.requestId = request.id;
        head.requestText = QString::fromStdString(request.method) + QLatin1Char(' ') +
                           QString::fromStdString(request.uri);
        head.phase = QString::fromStdString(request.phase);
        const int requestNode = addNode(std::move(head));
        // Coroutines come in creation order, so a parent always precedes its children.
        QHash<quint32, int> nodes;
        for (const auto& co : request.coroutines) {
            CoroutineRow row;
            row.requestId = request.id;
            row.coroutine = co;
            row.nextResume = !snapshot.ready.empty() &&
                             snapshot.ready.front().requestId == request.id &&
                             snapshot.ready.front().coroutineId == co.id;
            const int parent = nodes.value(co.parentId, requestNode);
            nodes.insert(co.id, addNode(std::move(row), parent));
        }
    }
    endResetModel();
}

QString CoroutineTreeModel::headerText(int column) const
{
    switch (column) {
    case CoroutineColumn: return tr("Coroutine");
    case StatusColumn: return tr("Status");
    case ReasonColumn: return tr("Yield reason");
    case WaitingColumn: return tr("Waiting on");
    case ResumesColumn: return tr("Resumes");
    }
    return {};
}

QVariant CoroutineTreeModel::cell(const CoroutineRow& row, int column, int role) const
{
    const auto& co = row.coroutine;
    const bool finished = !row.isRequest && (co.status == "dead" || co.status == "zombie");
    if (role == Qt::DisplayRole) {
        if (row.isRequest) {
            switch (column) {
            case CoroutineColumn:
                return tr("request %1: %2").arg(row.requestId).arg(row.requestText);
            case StatusColumn: return row.phase;
            default: return {};
            }
        }
        switch (column) {
        case CoroutineColumn: return coroutineLabel(co.type, co.id);
        case StatusColumn: return coroutineStateText(co);
        case ReasonColumn: return finished ? QString() : yieldReasonText(co.reason);
        case WaitingColumn: return QString::fromStdString(co.waitingOn);
        case ResumesColumn: return QString::number(co.resumes);
        }
    } else if (role == SortRole) {
        if (column == ResumesColumn) {
            return static_cast<qulonglong>(co.resumes);
        }
        if (column == CoroutineColumn) {
            return row.isRequest ? static_cast<qulonglong>(row.requestId)
                                 : static_cast<qulonglong>(co.id);
        }
        return cell(row, column, Qt::DisplayRole);
    } else if (role == IdRole) {
        return row.isRequest ? static_cast<qulonglong>(row.requestId)
                             : static_cast<qulonglong>(co.id);
    } else if (role == Qt::ForegroundRole && finished) {
        return QBrush(QPalette().color(QPalette::Disabled, QPalette::Text));
    } else if (role == Qt::DecorationRole && column == ReasonColumn && !finished &&
               !row.isRequest) {
        const QColor color = yieldReasonColor(co.reason);
        return color.isValid() ? QVariant(color) : QVariant();
    } else if (role == Qt::FontRole && (row.nextResume || row.isRequest)) {
        QFont font;
        font.setBold(true);
        return font;
    } else if (role == Qt::ToolTipRole && !row.isRequest) {
        QString tip = tr("coroutine.status: %1").arg(QString::fromStdString(co.status));
        if (row.nextResume) {
            tip += QLatin1Char('\n') + tr("bold: the next resume, Step (F10) performs it");
        }
        return tip;
    }
    return {};
}

} // namespace restyscope::ui
