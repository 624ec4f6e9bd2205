#pragma once
// Beside the Code cache: each live VM's package.loaded (what require() has loaded, and the
// file it came from when package.path or package.cpath finds it), swapped in per snapshot.

#include "engine/debug/snapshot.h"
#include "ui/models/modelbase.h"

namespace restyscope::ui {

struct PackageRow
{
    QString vm; // "main 1", "request 4"
    QString module;
    QString file; // empty: built in or preloaded
};

namespace packagemodel {
enum Columns { VmColumn, ModuleColumn, FileColumn, NUM_COLUMNS };
}
using PackageModelBase = TableModelBase<PackageRow, packagemodel::NUM_COLUMNS>;

class PackageModel : public PackageModelBase
{
    Q_OBJECT
public:
    using Columns = packagemodel::Columns;
    using PackageModelBase::PackageModelBase;

    // withBuiltins false: only modules found in a file (the user's and the libraries').
    void setSnapshot(const engine::debug::Snapshot& snapshot, bool withBuiltins = false);

protected:
    QVariant cell(const PackageRow& row, int column, int role) const override;
    QString headerText(int column) const override;
};

// "main 1" / "request 4": how every view names a VM.
QString vmLabel(const engine::debug::VmInfo& vm);

} // namespace restyscope::ui
