// The History and Saved tabs of the client dock: lists over the ClientStore with their
// context menus (re-send, edit, save, duplicate, delete).

#include "ui/client/clientmodels.h"
#include "ui/client/clientstore.h"
#include "ui/client/dock/clientdock.h"

#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QTabWidget>
#include <QTreeView>

namespace restyscope::ui::client {

namespace {

QTreeView* makeList(QAbstractItemModel* model, const QString& name, bool tree)
{
    auto* view = new QTreeView;
    view->setObjectName(name);
    view->setModel(model);
    view->setRootIsDecorated(tree);
    view->setUniformRowHeights(true);
    view->setAlternatingRowColors(true);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->setContextMenuPolicy(Qt::CustomContextMenu);
    view->header()->setStretchLastSection(true);
    return view;
}

} // namespace

QWidget* ClientDock::createHistoryTab()
{
    m_historyView = makeList(m_historyModel, QStringLiteral("clientHistoryView"), false);
    m_historyView->header()->resizeSection(historymodel::SentColumn, 70);
    m_historyView->header()->resizeSection(historymodel::MethodColumn, 60);
    m_historyView->header()->resizeSection(historymodel::UrlColumn, 240);
    m_historyView->header()->resizeSection(historymodel::StatusColumn, 50);
    m_historyView->setToolTip(tr("Double-click to edit; right-click to re-send, save or delete"));
    connect(m_historyView, &QTreeView::doubleClicked, this, [this](const QModelIndex& index) {
        setRequest(m_historyModel->rowAt(index.row()).request);
        m_requestTabs->setCurrentIndex(0);
    });
    connect(m_historyView, &QTreeView::customContextMenuRequested, this,
            &ClientDock::showHistoryMenu);
    return m_historyView;
}

QWidget* ClientDock::createSavedTab()
{
    m_savedView = makeList(m_collectionsModel, QStringLiteral("clientSavedView"), true);
    m_savedView->header()->resizeSection(collectionsmodel::NameColumn, 160);
    m_savedView->header()->resizeSection(collectionsmodel::MethodColumn, 60);
    connect(m_collectionsModel, &QAbstractItemModel::modelReset, m_savedView,
            &QTreeView::expandAll);
    m_savedView->expandAll();
    connect(m_savedView, &QTreeView::doubleClicked, this, [this](const QModelIndex& index) {
        const auto& row = m_collectionsModel->nodeRow(index);
        if (row.index >= 0) {
            setRequest(m_store->collections().at(row.collection).requests.at(row.index).request);
            m_requestTabs->setCurrentIndex(0);
        }
    });
    connect(m_savedView, &QTreeView::customContextMenuRequested, this, &ClientDock::showSavedMenu);
    return m_savedView;
}

void ClientDock::showHistoryMenu(const QPoint& pos)
{
    const QModelIndex index = m_historyView->indexAt(pos);
    if (!index.isValid()) {
        return;
    }
    const int row = index.row();
    const HistoryEntry entry = m_historyModel->rowAt(row);
    QMenu menu;
    menu.addAction(tr("Re-send"), this, [this, entry] {
        setRequest(entry.request);
        send();
    });
    menu.addAction(tr("Edit"), this, [this, entry] {
        setRequest(entry.request);
        m_requestTabs->setCurrentIndex(0);
    });
    if (entry.runtimeRequestId != 0) {
        menu.addAction(tr("Show request %1 in runtime").arg(entry.runtimeRequestId), this,
                       [this, entry] { Q_EMIT showInRuntime(entry.runtimeRequestId); });
    }
    menu.addAction(tr("Save to collection\u2026"), this, [this, entry] {
        setRequest(entry.request);
        askToSave();
    });
    menu.addSeparator();
    menu.addAction(tr("Delete"), this, [this, row] { m_store->removeHistory(row); });
    menu.addAction(tr("Clear history"), m_store, &ClientStore::clearHistory);
    menu.exec(m_historyView->viewport()->mapToGlobal(pos));
}

void ClientDock::showSavedMenu(const QPoint& pos)
{
    const QModelIndex index = m_savedView->indexAt(pos);
    if (!index.isValid()) {
        return;
    }
    const CollectionRow row = m_collectionsModel->nodeRow(index);
    QMenu menu;
    if (row.index >= 0) {
        const ClientRequest saved =
            m_store->collections().at(row.collection).requests.at(row.index).request;
        menu.addAction(tr("Send"), this, [this, saved] {
            setRequest(saved);
            send();
        });
        menu.addAction(tr("Edit"), this, [this, saved] {
            setRequest(saved);
            m_requestTabs->setCurrentIndex(0);
        });
        menu.addAction(tr("Duplicate"), this,
                       [this, row] { m_store->duplicateRequest(row.collection, row.index); });
        menu.addAction(tr("Delete"), this,
                       [this, row] { m_store->removeRequest(row.collection, row.index); });
    } else {
        menu.addAction(tr("Delete collection"), this,
                       [this, row] { m_store->removeCollection(row.collection); });
    }
    menu.exec(m_savedView->viewport()->mapToGlobal(pos));
}

void ClientDock::askToSave()
{
    QStringList names;
    for (const auto& collection : m_store->collections()) {
        names << collection.name;
    }
    if (names.isEmpty()) {
        names << tr("Saved");
    }
    bool ok = false;
    const QString collection =
        QInputDialog::getItem(this, tr("Save request"), tr("Collection:"), names, 0, true, &ok);
    if (!ok) {
        return;
    }
    const ClientRequest current = request();
    const QString name =
        QInputDialog::getText(this, tr("Save request"), tr("Name:"), QLineEdit::Normal,
                              current.method + QLatin1Char(' ') + current.url, &ok);
    if (ok) {
        saveCurrent(collection, name);
    }
}

void ClientDock::saveCurrent(const QString& collection, const QString& name)
{
    m_store->saveRequest(collection, name, request());
    m_requestTabs->setCurrentWidget(m_savedView);
    setMessage(m_store->saveError(), !m_store->saveError().isEmpty());
}

} // namespace restyscope::ui::client
