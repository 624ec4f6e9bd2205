#pragma once
// The client's two lists over a ClientStore: the history table (newest first) and the
// collections tree (collection -> saved requests). Both follow the store with a model reset
// per change: a change is one user action, and the lists are small (history is bounded).

#include "ui/client/clientstore.h"
#include "ui/models/modelbase.h"

namespace restyscope::ui::client {

namespace historymodel {
enum Columns { SentColumn, MethodColumn, UrlColumn, StatusColumn, TimeColumn, NUM_COLUMNS };
}

class HistoryModel : public TableModelBase<HistoryEntry, historymodel::NUM_COLUMNS>
{
    Q_OBJECT
public:
    using Columns = historymodel::Columns;
    explicit HistoryModel(ClientStore* store, QObject* parent = nullptr);

protected:
    QVariant cell(const HistoryEntry& entry, int column, int role) const override;
    QString headerText(int column) const override;

private:
    void reload();
    ClientStore* m_store;
};

struct CollectionRow
{
    int collection = 0;
    int index = -1; // -1: the collection itself
    QString name;
    QString method;
    QString url;
};

namespace collectionsmodel {
enum Columns { NameColumn, MethodColumn, UrlColumn, NUM_COLUMNS };
}

class CollectionsModel : public TreeModelBase<CollectionRow, collectionsmodel::NUM_COLUMNS>
{
    Q_OBJECT
public:
    using Columns = collectionsmodel::Columns;
    explicit CollectionsModel(ClientStore* store, QObject* parent = nullptr);

protected:
    QVariant cell(const CollectionRow& row, int column, int role) const override;
    QString headerText(int column) const override;

private:
    void reload();
    ClientStore* m_store;
};

// "GET /api/x?a=1": how lists show a request.
QString requestSummary(const ClientRequest& request);

} // namespace restyscope::ui::client
