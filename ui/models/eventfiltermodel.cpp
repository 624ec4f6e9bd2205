#include "ui/models/eventfiltermodel.h"

#include "ui/models/eventlogmodel.h"

namespace restyscope::ui {

void EventFilterModel::setRequestId(quint64 id)
{
    if (id != m_requestId) {
        m_requestId = id;
        refilter();
    }
}

void EventFilterModel::setCoroutineId(quint32 id)
{
    if (id != m_coroutineId) {
        m_coroutineId = id;
        refilter();
    }
}

void EventFilterModel::setKind(std::optional<engine::trace::EventKind> kind)
{
    if (kind != m_kind) {
        m_kind = kind;
        refilter();
    }
}

void EventFilterModel::refilter()
{
    // Qt 6.4 has no begin/endFilterChange: invalidateFilter is the one call.
    invalidateFilter();
}

bool EventFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    if (!isFiltering() || sourceParent.isValid()) {
        return true;
    }
    const auto* log = qobject_cast<const EventLogModel*>(sourceModel());
    if (!log || sourceRow < 0 || sourceRow >= log->rowCount()) {
        return true;
    }
    const auto& event = log->rowAt(sourceRow);
    return (m_requestId == 0 || event.requestId == m_requestId) &&
           (m_coroutineId == 0 || event.coroutineId == m_coroutineId) &&
           (!m_kind || event.kind == *m_kind);
}

} // namespace restyscope::ui
