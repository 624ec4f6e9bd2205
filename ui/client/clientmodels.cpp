#include "ui/client/clientmodels.h"

#include <QBrush>
#include <QColor>
#include <QFont>

namespace restyscope::ui::client {

QString requestSummary(const ClientRequest& request)
{
    const QString query = encodeQuery(request.query);
    return request.url + (query.isEmpty() ? QString() : QLatin1Char('?') + query);
}

HistoryModel::HistoryModel(ClientStore* store, QObject* parent)
    : TableModelBase(parent), m_store(store)
{
    connect(store, &ClientStore::historyChanged, this, &HistoryModel::reload);
    reload();
}

void HistoryModel::reload()
{
    setRows(m_store->history());
}

QString HistoryModel::headerText(int column) const
{
    switch (column) {
    case historymodel::SentColumn: return tr("Sent");
    case historymodel::MethodColumn: return tr("Method");
    case historymodel::UrlColumn: return tr("URL");
    case historymodel::StatusColumn: return tr("Status");
    case historymodel::TimeColumn: return tr("Time");
    }
    return {};
}

QVariant HistoryModel::cell(const HistoryEntry& entry, int column, int role) const
{
    if (role == Qt::DisplayRole) {
        switch (column) {
        case historymodel::SentColumn:
            return entry.sentAt.toLocalTime().toString(QStringLiteral("HH:mm:ss"));
        case historymodel::MethodColumn: return entry.request.method;
        case historymodel::UrlColumn: return requestSummary(entry.request);
        case historymodel::StatusColumn:
            return entry.status ? QString::number(entry.status) : QStringLiteral("\u2014");
        case historymodel::TimeColumn: return durationText(entry.ms);
        }
    } else if (role == SortRole) {
        switch (column) {
        case historymodel::SentColumn: return entry.sentAt;
        case historymodel::StatusColumn: return entry.status;
        case historymodel::TimeColumn: return entry.ms;
        default: return cell(entry, column, Qt::DisplayRole);
        }
    } else if (role == IdRole) {
        return entry.runtimeRequestId;
    } else if (role == Qt::ToolTipRole) {
        return QString(entry.sentAt.toLocalTime().toString(Qt::ISODateWithMs) +
                       (entry.runtimeRequestId
                            ? tr(" - runtime request %1").arg(entry.runtimeRequestId)
                            : QString()));
    } else if (role == Qt::ForegroundRole && column == historymodel::StatusColumn) {
        if (entry.status == 0 || entry.status >= 500) {
            return QBrush(QColor(0xc6, 0x28, 0x28));
        }
        if (entry.status >= 400) {
            return QBrush(QColor(0xef, 0x6c, 0x00));
        }
        return QBrush(QColor(0x2e, 0x7d, 0x32));
    }
    return {};
}

CollectionsModel::CollectionsModel(ClientStore* store, QObject* parent)
    : TreeModelBase(parent), m_store(store)
{
    connect(store, &ClientStore::collectionsChanged, this, &CollectionsModel::reload);
    reload();
}

void CollectionsModel::reload()
{
    beginResetModel();
    clearNodes();
    const auto& collections = m_store->collections();
    for (int c = 0; c < collections.size(); ++c) {
        const int node = addNode({c, -1, collections[c].name, {}, {}});
        for (int i = 0; i < collections[c].requests.size(); ++i) {
            const auto& saved = collections[c].requests[i];
            addNode({c, i, saved.name, saved.request.method, requestSummary(saved.request)}, node);
        }
    }
    endResetModel();
}

QString CollectionsModel::headerText(int column) const
{
    switch (column) {
    case collectionsmodel::NameColumn: return tr("Name");
    case collectionsmodel::MethodColumn: return tr("Method");
    case collectionsmodel::UrlColumn: return tr("URL");
    }
    return {};
}

QVariant CollectionsModel::cell(const CollectionRow& row, int column, int role) const
{
    if (role == Qt::DisplayRole || role == SortRole) {
        switch (column) {
        case collectionsmodel::NameColumn: return row.name;
        case collectionsmodel::MethodColumn: return row.method;
        case collectionsmodel::UrlColumn: return row.url;
        }
    } else if (role == Qt::FontRole && row.index < 0) {
        QFont font;
        font.setBold(true);
        return font;
    }
    return {};
}

} // namespace restyscope::ui::client
