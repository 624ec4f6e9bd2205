#pragma once
// The Code cache view: the registry code cache of every live VM (the main VM with
// lua_code_cache on, a fresh VM per request with it off), swapped in whole per snapshot.

#include "engine/debug/snapshot.h"
#include "ui/models/modelbase.h"

namespace restyscope::ui {

struct CacheRow
{
    QString vm; // "main 1", "request 4"
    engine::debug::CacheEntry entry;
};

namespace codecachemodel {
enum Columns {
    VmColumn,
    KeyColumn,
    ChunkColumn,
    FileColumn,
    BytesColumn,
    HitsColumn,
    ChangedColumn,
    NUM_COLUMNS
};
}
using CodeCacheModelBase = TableModelBase<CacheRow, codecachemodel::NUM_COLUMNS>;

class CodeCacheModel : public CodeCacheModelBase
{
    Q_OBJECT
public:
    using Columns = codecachemodel::Columns;
    using CodeCacheModelBase::CodeCacheModelBase;

    void setSnapshot(const engine::debug::Snapshot& snapshot);

protected:
    QVariant cell(const CacheRow& row, int column, int role) const override;
    QString headerText(int column) const override;
};

} // namespace restyscope::ui
