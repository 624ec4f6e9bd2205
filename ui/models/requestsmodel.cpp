#include "ui/models/requestsmodel.h"

#include <QBrush>

#include <algorithm>

namespace restyscope::ui {

using engine::trace::EventKind;
using namespace requestsmodel;

RequestsModel::RequestsModel(QObject* parent, int maxRows)
    : RequestsModelBase(parent), m_maxRows(maxRows)
{
}

int RequestsModel::rowOf(quint64 id) const
{
    // Request ids grow with time, so the rows are sorted by id.
    const auto it = std::lower_bound(m_rows.cbegin(), m_rows.cend(), id,
                                     [](const RequestRow& row, quint64 v) { return row.id < v; });
    return it != m_rows.cend() && it->id == id ? static_cast<int>(it - m_rows.cbegin()) : -1;
}

void RequestsModel::applyEvents(const QVector<engine::trace::Event>& events)
{
    QVector<RequestRow> added;
    int firstChanged = INT_MAX;
    int lastChanged = -1;
    auto find = [&](quint64 id) -> RequestRow* {
        const int row = rowOf(id);
        if (row >= 0) {
            firstChanged = std::min(firstChanged, row);
            lastChanged = std::max(lastChanged, row);
            return &m_rows[row];
        }
        for (auto& pending : added) {
            if (pending.id == id) {
                return &pending;
            }
        }
        return nullptr;
    };
    for (const auto& event : events) {
        if (event.kind == EventKind::VmCreate && event.textView() == "main") {
            m_mainVmId = event.vmId; // a reload makes a new main VM
        }
        if (event.requestId == 0) {
            continue;
        }
        if (event.kind == EventKind::RequestBegin) {
            RequestRow row;
            row.id = event.requestId;
            const auto text = event.textView();
            row.request = QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
            row.beginNs = event.timeNs;
            added.append(std::move(row));
            continue;
        }
        // Events in a request's VM name it once the main VM is known: the main VM (cache on)
        // or one made for the request (lua_code_cache off).
        const bool vmEvent = event.vmId != 0 && m_mainVmId != 0;
        if (event.kind != EventKind::RequestEnd && event.kind != EventKind::PhaseEnter &&
            !vmEvent) {
            continue;
        }
        RequestRow* row = find(event.requestId);
        if (!row) {
            continue; // began before the model was attached, or already dropped
        }
        if (vmEvent && row->vm.isEmpty()) {
            row->vm =
                (event.vmId == m_mainVmId ? QStringLiteral("main ") : QStringLiteral("request ")) +
                QString::number(event.vmId);
        }
        if (event.kind == EventKind::PhaseEnter) {
            const auto text = event.textView();
            row->phase = QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
        } else if (event.kind == EventKind::RequestEnd) {
            row->done = true;
            row->status = static_cast<int>(event.value);
            row->endNs = event.timeNs;
            row->phase = QStringLiteral("done");
            row->waiting.clear();
        }
    }
    rowsChanged(firstChanged, lastChanged);
    appendRows(std::move(added));
    const int excess = static_cast<int>(m_rows.size()) - m_maxRows;
    if (excess > 0) {
        removeFirstRows(excess);
        m_dropped += static_cast<quint64>(excess);
        Q_EMIT droppedCountChanged(m_dropped);
    }
}

void RequestsModel::setWaitChains(const QHash<quint64, QString>& chains)
{
    int firstChanged = INT_MAX;
    int lastChanged = -1;
    for (auto it = chains.cbegin(); it != chains.cend(); ++it) {
        const int row = rowOf(it.key());
        if (row < 0 || m_rows[row].done || m_rows[row].waiting == it.value()) {
            continue;
        }
        m_rows[row].waiting = it.value();
        firstChanged = std::min(firstChanged, row);
        lastChanged = std::max(lastChanged, row);
    }
    rowsChanged(firstChanged, lastChanged);
}

void RequestsModel::applySnapshot(const engine::debug::Snapshot& snapshot)
{
    for (const auto& vm : snapshot.vms) {
        if (vm.main) {
            m_mainVmId = vm.id;
        }
    }
    int firstChanged = INT_MAX;
    int lastChanged = -1;
    for (const auto& request : snapshot.requests) {
        const int row = rowOf(request.id);
        if (row < 0) {
            continue;
        }
        QString vm = (request.sharedVm ? QStringLiteral("main ") : QStringLiteral("request ")) +
                     QString::number(request.vmId);
        if (m_rows[row].vm != vm) {
            m_rows[row].vm = std::move(vm);
            firstChanged = std::min(firstChanged, row);
            lastChanged = std::max(lastChanged, row);
        }
    }
    rowsChanged(firstChanged, lastChanged);
}

QString RequestsModel::headerText(int column) const
{
    switch (column) {
    case IdColumn: return tr("Id");
    case RequestColumn: return tr("Request");
    case StatusColumn: return tr("Status");
    case DurationColumn: return tr("Duration");
    case PhaseColumn: return tr("Phase");
    case VmColumn: return tr("VM");
    case WaitingColumn: return tr("Waiting on");
    }
    return {};
}

QVariant RequestsModel::cell(const RequestRow& row, int column, int role) const
{
    const bool done = row.done;
    if (role == Qt::DisplayRole) {
        switch (column) {
        case IdColumn: return QString::number(row.id);
        case RequestColumn: return row.request;
        case StatusColumn: return done ? QString::number(row.status) : QString();
        case DurationColumn:
            return done ? QString::number(double(row.endNs - row.beginNs) / 1e6, 'f', 1) +
                              QStringLiteral(" ms")
                        : QStringLiteral("running");
        case PhaseColumn: return row.phase;
        case VmColumn: return row.vm;
        case WaitingColumn: return row.waiting;
        }
    } else if (role == SortRole) {
        switch (column) {
        case IdColumn: return row.id;
        case StatusColumn: return row.status;
        case DurationColumn: return done ? row.endNs - row.beginNs : qint64(-1);
        default: return cell(row, column, Qt::DisplayRole);
        }
    } else if (role == IdRole) {
        return row.id;
    } else if (role == Qt::ToolTipRole && column == WaitingColumn && !row.waiting.isEmpty()) {
        return row.waiting;
    } else if (role == Qt::ForegroundRole && done && row.status >= 500) {
        return QBrush(QColor(0xc6, 0x28, 0x28));
    } else if (role == Qt::TextAlignmentRole &&
               (column == IdColumn || column == StatusColumn || column == DurationColumn)) {
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

void RequestsModel::clear()
{
    m_mainVmId = 0;
    setRows({});
    if (m_dropped != 0) {
        m_dropped = 0;
        Q_EMIT droppedCountChanged(0);
    }
}

} // namespace restyscope::ui
