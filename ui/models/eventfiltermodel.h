#pragma once
// The Events view's filters, on typed keys (request id, coroutine id, event kind) over the
// EventLogModel; 0 / no kind: no filter.

#include "engine/trace/probes.h"

#include <QSortFilterProxyModel>

#include <optional>

namespace restyscope::ui {

class EventFilterModel final : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

    void setRequestId(quint64 id);
    void setCoroutineId(quint32 id);
    void setKind(std::optional<engine::trace::EventKind> kind);
    bool isFiltering() const { return m_requestId != 0 || m_coroutineId != 0 || m_kind; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    void refilter();

    quint64 m_requestId = 0;
    quint32 m_coroutineId = 0;
    std::optional<engine::trace::EventKind> m_kind;
};

} // namespace restyscope::ui
