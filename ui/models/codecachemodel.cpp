#include "ui/models/codecachemodel.h"

#include <QBrush>

namespace restyscope::ui {

using namespace codecachemodel;

void CodeCacheModel::setSnapshot(const engine::debug::Snapshot& snapshot)
{
    QVector<CacheRow> rows;
    for (const auto& vm : snapshot.vms) {
        const QString name = (vm.main ? QStringLiteral("main ") : QStringLiteral("request ")) +
                             QString::number(vm.id);
        for (const auto& entry : vm.cache) {
            rows.append(CacheRow{name, entry});
        }
    }
    setRows(std::move(rows));
}

QString CodeCacheModel::headerText(int column) const
{
    switch (column) {
    case VmColumn: return tr("VM");
    case KeyColumn: return tr("Key");
    case ChunkColumn: return tr("Chunk");
    case FileColumn: return tr("File");
    case BytesColumn: return tr("Bytes");
    case HitsColumn: return tr("Hits");
    case ChangedColumn: return tr("On disk");
    }
    return {};
}

QVariant CodeCacheModel::cell(const CacheRow& row, int column, int role) const
{
    const auto& entry = row.entry;
    if (role == Qt::DisplayRole) {
        switch (column) {
        case VmColumn: return row.vm;
        case KeyColumn: return QString::fromStdString(entry.key);
        case ChunkColumn: return QString::fromStdString(entry.chunkName);
        case FileColumn: return QString::fromStdString(entry.sourcePath);
        case BytesColumn: return QString::number(entry.bytes);
        case HitsColumn: return QString::number(entry.hits);
        case ChangedColumn: return entry.changedOnDisk ? tr("changed") : QString();
        }
    } else if (role == SortRole) {
        switch (column) {
        case BytesColumn: return static_cast<qulonglong>(entry.bytes);
        case HitsColumn: return static_cast<qulonglong>(entry.hits);
        default: return cell(row, column, Qt::DisplayRole);
        }
    } else if (role == Qt::ForegroundRole && entry.changedOnDisk) {
        return QBrush(QColor(0xc6, 0x28, 0x28));
    } else if (role == Qt::ToolTipRole && entry.changedOnDisk) {
        return tr("the file changed on disk since it was cached: Reload code picks it up");
    } else if (role == Qt::TextAlignmentRole && (column == BytesColumn || column == HitsColumn)) {
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

} // namespace restyscope::ui
