#include "ui/client/dock/keyvaluetable.h"

#include <QHeaderView>
#include <QKeyEvent>

namespace restyscope::ui::client {

KeyValueTable::KeyValueTable(const QString& namePlaceholder, QWidget* parent)
    : QTableWidget(0, 2, parent), m_namePlaceholder(namePlaceholder)
{
    setHorizontalHeaderLabels({tr("Name"), tr("Value")});
    horizontalHeader()->setStretchLastSection(true);
    horizontalHeader()->setSectionResizeMode(0, QHeaderView::Interactive);
    horizontalHeader()->resizeSection(0, 160);
    verticalHeader()->hide();
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    setAlternatingRowColors(true);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setEditTriggers(QAbstractItemView::AllEditTriggers);
    setToolTip(tr("Untick a row to leave it out; Delete removes the selected rows"));
    connect(this, &QTableWidget::itemChanged, this, [this] {
        if (m_updating) {
            return;
        }
        keepOneEmptyRow();
        Q_EMIT rowsEdited();
    });
    keepOneEmptyRow();
}

void KeyValueTable::appendRow(const KeyValue& row)
{
    const int r = rowCount();
    insertRow(r);
    auto* name = new QTableWidgetItem(row.name);
    name->setFlags(name->flags() | Qt::ItemIsUserCheckable);
    if (!row.name.isEmpty() || !row.value.isEmpty()) {
        name->setCheckState(row.enabled ? Qt::Checked : Qt::Unchecked);
    }
    setItem(r, 0, name);
    setItem(r, 1, new QTableWidgetItem(row.value));
}

void KeyValueTable::keepOneEmptyRow()
{
    const bool wasUpdating = m_updating;
    m_updating = true;
    auto empty = [this](int r) {
        return (!item(r, 0) || item(r, 0)->text().isEmpty()) &&
               (!item(r, 1) || item(r, 1)->text().isEmpty());
    };
    // Empty rows go, except one at the end.
    for (int r = rowCount() - 2; r >= 0; --r) {
        if (empty(r)) {
            removeRow(r);
        }
    }
    // A row typed into gets its check box (the empty last row has none).
    for (int r = 0; r < rowCount(); ++r) {
        if (!empty(r) && item(r, 0) && !item(r, 0)->data(Qt::CheckStateRole).isValid()) {
            item(r, 0)->setCheckState(Qt::Checked);
        }
    }
    if (rowCount() == 0 || !empty(rowCount() - 1)) {
        appendRow({});
        item(rowCount() - 1, 0)->setToolTip(m_namePlaceholder);
    }
    m_updating = wasUpdating;
}

void KeyValueTable::setRows(const QList<KeyValue>& rows)
{
    m_updating = true;
    setRowCount(0);
    for (const auto& row : rows) {
        appendRow(row);
    }
    m_updating = false;
    keepOneEmptyRow();
}

QList<KeyValue> KeyValueTable::rows() const
{
    QList<KeyValue> result;
    for (int r = 0; r < rowCount(); ++r) {
        const QString name = item(r, 0) ? item(r, 0)->text() : QString();
        const QString value = item(r, 1) ? item(r, 1)->text() : QString();
        if (name.isEmpty() && value.isEmpty()) {
            continue;
        }
        const bool unchecked = item(r, 0) && item(r, 0)->data(Qt::CheckStateRole).isValid() &&
                               item(r, 0)->checkState() != Qt::Checked;
        result.append({name, value, !unchecked});
    }
    return result;
}

void KeyValueTable::keyPressEvent(QKeyEvent* event)
{
    if (event->key() == Qt::Key_Delete && state() != QAbstractItemView::EditingState) {
        QList<int> selected;
        for (const auto& index : selectionModel()->selectedRows()) {
            selected << index.row();
        }
        std::sort(selected.begin(), selected.end(), std::greater<>());
        for (const int r : selected) {
            removeRow(r);
        }
        keepOneEmptyRow();
        Q_EMIT rowsEdited();
        return;
    }
    QTableWidget::keyPressEvent(event);
}

} // namespace restyscope::ui::client
