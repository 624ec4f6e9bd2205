#pragma once
// The Events view: every probe event, appended once per batch into a bounded ring of rows
// (the oldest rows leave once per batch too).

#include "engine/trace/event.h"
#include "ui/models/modelbase.h"

namespace restyscope::ui {

namespace eventlogmodel {
enum Columns {
    SeqColumn,
    TimeColumn,
    RequestColumn,
    CoroutineColumn,
    KindColumn,
    ReasonColumn,
    ValueColumn,
    TextColumn,
    NUM_COLUMNS
};
}
using EventLogModelBase = TableModelBase<engine::trace::Event, eventlogmodel::NUM_COLUMNS>;

class EventLogModel : public EventLogModelBase
{
    Q_OBJECT
public:
    using Columns = eventlogmodel::Columns;
    explicit EventLogModel(QObject* parent = nullptr, int capacity = 20000);

    void applyEvents(const QVector<engine::trace::Event>& events);
    quint64 droppedCount() const { return m_dropped; }
    void clear();

protected:
    QVariant cell(const engine::trace::Event& event, int column, int role) const override;
    QString headerText(int column) const override;

private:
    int m_capacity;
    quint64 m_dropped = 0;
    qint64 m_originNs = -1; // times show relative to the first event seen
};

} // namespace restyscope::ui
