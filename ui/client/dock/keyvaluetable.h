#pragma once
// An editable name/value table (query parameters, headers, form fields): a check box per row
// turns it off without losing it, and an empty last row is always there to type a new one.

#include "ui/client/clientrequest.h"

#include <QTableWidget>

namespace restyscope::ui::client {

class KeyValueTable : public QTableWidget
{
    Q_OBJECT
public:
    explicit KeyValueTable(const QString& namePlaceholder, QWidget* parent = nullptr);

    void setRows(const QList<KeyValue>& rows);
    QList<KeyValue> rows() const; // without the empty last row

Q_SIGNALS:
    void rowsEdited();

protected:
    void keyPressEvent(QKeyEvent* event) override;

private:
    void appendRow(const KeyValue& row);
    void keepOneEmptyRow();
    QString m_namePlaceholder;
    bool m_updating = false;
};

} // namespace restyscope::ui::client
