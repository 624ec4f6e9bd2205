#include "ui/models/eventlogmodel.h"

#include "ui/models/yieldcolors.h"

namespace restyscope::ui {

using namespace eventlogmodel;

EventLogModel::EventLogModel(QObject* parent, int capacity)
    : EventLogModelBase(parent), m_capacity(capacity)
{
}

void EventLogModel::applyEvents(const QVector<engine::trace::Event>& events)
{
    if (events.isEmpty()) {
        return;
    }
    if (m_originNs < 0) {
        m_originNs = events.front().timeNs;
    }
    // Only the newest m_capacity events of a huge batch can stay: skip the rest up front.
    const qsizetype skip = std::max<qsizetype>(0, events.size() - m_capacity);
    const int overflow = static_cast<int>(m_rows.size() + events.size() - skip) - m_capacity;
    if (overflow > 0) {
        removeFirstRows(overflow);
    }
    m_dropped += static_cast<quint64>(skip) + static_cast<quint64>(std::max(overflow, 0));
    appendRows(QVector<engine::trace::Event>(events.cbegin() + skip, events.cend()));
}

void EventLogModel::clear()
{
    m_dropped = 0;
    m_originNs = -1;
    setRows({});
}

QString EventLogModel::headerText(int column) const
{
    switch (column) {
    case SeqColumn: return tr("Seq");
    case TimeColumn: return tr("Time");
    case RequestColumn: return tr("Request");
    case CoroutineColumn: return tr("Coroutine");
    case KindColumn: return tr("Event");
    case ReasonColumn: return tr("Reason");
    case ValueColumn: return tr("Value");
    case TextColumn: return tr("Text");
    }
    return {};
}

QVariant EventLogModel::cell(const engine::trace::Event& event, int column, int role) const
{
    if (role == Qt::DisplayRole) {
        switch (column) {
        case SeqColumn: return QString::number(event.seq);
        case TimeColumn: return QString::number(double(event.timeNs - m_originNs) / 1e6, 'f', 3);
        case RequestColumn: return event.requestId ? QString::number(event.requestId) : QString();
        case CoroutineColumn:
            return event.coroutineId ? QString::number(event.coroutineId) : QString();
        case KindColumn: return eventKindText(event.kind);
        case ReasonColumn: return yieldReasonText(event.reason);
        case ValueColumn: return QString::number(event.value);
        case TextColumn: {
            const auto text = event.textView();
            return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
        }
        }
    } else if (role == SortRole) {
        switch (column) {
        case SeqColumn: return static_cast<qulonglong>(event.seq);
        case TimeColumn: return static_cast<qlonglong>(event.timeNs);
        case RequestColumn: return static_cast<qulonglong>(event.requestId);
        case CoroutineColumn: return event.coroutineId;
        case ValueColumn: return static_cast<qint64>(event.value);
        default: return cell(event, column, Qt::DisplayRole);
        }
    } else if (role == Qt::DecorationRole && column == ReasonColumn) {
        const QColor color = yieldReasonColor(event.reason);
        return color.isValid() ? QVariant(color) : QVariant();
    } else if (role == IdRole) {
        return static_cast<qulonglong>(event.seq);
    }
    return {};
}

} // namespace restyscope::ui
