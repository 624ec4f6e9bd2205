#pragma once
// The error log view: error.log lines as the engine wrote them (nginx's format,
// "2026/11/27 10:15:44 [error] 12#12: *3 ..."), appended once per batch, bounded (the oldest
// lines leave), coloured by level.

#include "ui/models/modelbase.h"

#include <QStringList>

namespace restyscope::ui {

namespace errorlogmodel {
enum Columns { LineColumn, NUM_COLUMNS };
}
using ErrorLogModelBase = TableModelBase<QString, errorlogmodel::NUM_COLUMNS>;

class ErrorLogModel : public ErrorLogModelBase
{
    Q_OBJECT
public:
    using Columns = errorlogmodel::Columns;
    explicit ErrorLogModel(QObject* parent = nullptr, int capacity = 5000);

    void appendLines(const QStringList& lines);
    void clear();
    quint64 droppedCount() const { return m_dropped; }

    // "error" for "... [error] ..."; empty when the line has no level.
    static QString levelOf(const QString& line);

protected:
    QVariant cell(const QString& line, int column, int role) const override;
    QString headerText(int column) const override;

private:
    int m_capacity;
    quint64 m_dropped = 0;
};

} // namespace restyscope::ui
