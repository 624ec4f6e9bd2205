#include "ui/models/packagemodel.h"

namespace restyscope::ui {

using namespace packagemodel;

QString vmLabel(const engine::debug::VmInfo& vm)
{
    return (vm.main ? QStringLiteral("main ") : QStringLiteral("request ")) +
           QString::number(vm.id);
}

void PackageModel::setSnapshot(const engine::debug::Snapshot& snapshot, bool withBuiltins)
{
    QVector<PackageRow> rows;
    for (const auto& vm : snapshot.vms) {
        const QString name = vmLabel(vm);
        for (std::size_t i = 0; i < vm.packageLoaded.size(); ++i) {
            const QString file =
                i < vm.packageFiles.size() ? QString::fromStdString(vm.packageFiles[i]) : QString();
            if (withBuiltins || !file.isEmpty()) {
                rows.append({name, QString::fromStdString(vm.packageLoaded[i]), file});
            }
        }
    }
    // A snapshot a tick that changed nothing keeps the view (selection, scroll) as it is.
    if (rows.size() == rowCount()) {
        bool same = true;
        for (int i = 0; same && i < rows.size(); ++i) {
            const auto& a = rows.at(i);
            const auto& b = rowAt(i);
            same = a.vm == b.vm && a.module == b.module && a.file == b.file;
        }
        if (same) {
            return;
        }
    }
    setRows(std::move(rows));
}

QString PackageModel::headerText(int column) const
{
    switch (column) {
    case VmColumn: return tr("VM");
    case ModuleColumn: return tr("package.loaded");
    case FileColumn: return tr("File");
    }
    return {};
}

QVariant PackageModel::cell(const PackageRow& row, int column, int role) const
{
    if (role == Qt::DisplayRole || role == SortRole) {
        switch (column) {
        case VmColumn: return row.vm;
        case ModuleColumn: return row.module;
        case FileColumn: return row.file;
        }
    } else if (role == Qt::ToolTipRole && column == FileColumn) {
        return row.file;
    }
    return {};
}

} // namespace restyscope::ui
