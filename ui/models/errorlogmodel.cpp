#include "ui/models/errorlogmodel.h"

#include <QBrush>

namespace restyscope::ui {

ErrorLogModel::ErrorLogModel(QObject* parent, int capacity)
    : ErrorLogModelBase(parent), m_capacity(std::max(1, capacity))
{
}

void ErrorLogModel::appendLines(const QStringList& lines)
{
    if (lines.isEmpty()) {
        return;
    }
    const qsizetype skip = std::max<qsizetype>(0, lines.size() - m_capacity);
    const int overflow = static_cast<int>(m_rows.size() + lines.size() - skip) - m_capacity;
    if (overflow > 0) {
        removeFirstRows(overflow);
    }
    m_dropped += static_cast<quint64>(skip) + static_cast<quint64>(std::max(overflow, 0));
    appendRows(QVector<QString>(lines.cbegin() + skip, lines.cend()));
}

void ErrorLogModel::clear()
{
    m_dropped = 0;
    setRows({});
}

QString ErrorLogModel::levelOf(const QString& line)
{
    // The level follows the "YYYY/MM/DD HH:MM:SS " stamp.
    constexpr int stamp = 20;
    if (line.size() <= stamp || line.at(stamp) != QLatin1Char('[')) {
        return {};
    }
    const auto close = line.indexOf(QLatin1Char(']'), stamp);
    return close < 0 ? QString() : line.mid(stamp + 1, close - stamp - 1);
}

QString ErrorLogModel::headerText(int column) const
{
    return column == errorlogmodel::LineColumn ? tr("error.log") : QString();
}

QVariant ErrorLogModel::cell(const QString& line, int column, int role) const
{
    if (column != errorlogmodel::LineColumn) {
        return {};
    }
    if (role == Qt::DisplayRole || role == SortRole || role == Qt::ToolTipRole) {
        return line;
    }
    if (role == Qt::ForegroundRole) {
        const QString level = levelOf(line);
        if (level == QLatin1String("error") || level == QLatin1String("crit") ||
            level == QLatin1String("alert") || level == QLatin1String("emerg")) {
            return QBrush(QColor(0xc6, 0x28, 0x28));
        }
        if (level == QLatin1String("warn")) {
            return QBrush(QColor(0xb2, 0x6a, 0x00));
        }
        if (level == QLatin1String("debug")) {
            return QBrush(QColor(0x75, 0x75, 0x75));
        }
    }
    return {};
}

} // namespace restyscope::ui
