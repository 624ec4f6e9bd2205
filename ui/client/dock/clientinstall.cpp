#include "ui/client/dock/clientinstall.h"

#include "ui/client/dock/clientdock.h"
#include "ui/models/eventlogmodel.h"
#include "ui/models/modelbase.h"

#include <QDockWidget>
#include <QElapsedTimer>
#include <QItemSelection>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QPointer>
#include <QSettings>
#include <QTimer>
#include <QTreeView>

namespace restyscope::ui::client {

namespace {

// A request id's rows in a view's (possibly filtered) model: column's role equals id.
QItemSelection rowsOf(QAbstractItemModel* model, int column, int role, quint64 id)
{
    QItemSelection selection;
    const int rows = model->rowCount();
    const int lastColumn = model->columnCount() - 1;
    for (int r = 0; r < rows; ++r) {
        if (model->index(r, column).data(role).toULongLong() != id) {
            continue;
        }
        int end = r;
        while (end + 1 < rows && model->index(end + 1, column).data(role).toULongLong() == id) {
            ++end;
        }
        selection.select(model->index(r, 0), model->index(end, lastColumn));
        r = end;
    }
    return selection;
}

void raiseDockOf(QWidget* widget)
{
    for (QWidget* w = widget; w; w = w->parentWidget()) {
        if (auto* dock = qobject_cast<QDockWidget*>(w)) {
            dock->show();
            dock->raise();
            return;
        }
    }
}

// Selects the rows; the first time also scrolls to them and brings their dock forward.
bool selectIn(QTreeView* view, const QItemSelection& selection, bool first)
{
    if (!view || selection.isEmpty()) {
        return false;
    }
    const QModelIndex top = selection.first().topLeft();
    view->selectionModel()->select(selection,
                                   QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    view->selectionModel()->setCurrentIndex(top, QItemSelectionModel::NoUpdate);
    if (first) {
        view->scrollTo(top, QAbstractItemView::PositionAtTop);
        raiseDockOf(view);
    }
    return true;
}

// Keeps the linked request selected while the views catch up: the response head can arrive
// before the UI has drained the request's first events, the Events view grows while it
// runs, and the Coroutines view is rebuilt from every snapshot. Following stops when the
// request has left the Coroutines view, after a while, or when the user clicks in a view.
class RuntimeSelection : public QObject
{
public:
    explicit RuntimeSelection(QMainWindow* window) : QObject(window), m_window(window)
    {
        setObjectName(QStringLiteral("runtimeSelection"));
    }

    void select(quint64 id)
    {
        attach(m_requests, QStringLiteral("requestsView"));
        attach(m_events, QStringLiteral("eventsView"));
        attach(m_coroutines, QStringLiteral("coroutinesView"));
        m_id = id;
        m_clock.start();
        m_requestFound = m_eventsFound = m_coroutineSeen = false;
        apply();
    }

private:
    void attach(QPointer<QTreeView>& slot, const QString& name)
    {
        auto* view = m_window->findChild<QTreeView*>(name);
        if (!view || view == slot) {
            return;
        }
        slot = view;
        auto* model = view->model();
        connect(model, &QAbstractItemModel::modelReset, this, &RuntimeSelection::apply);
        connect(model, &QAbstractItemModel::rowsInserted, this, &RuntimeSelection::apply);
        connect(view, &QTreeView::clicked, this, [this] { m_id = 0; });
    }

    void apply()
    {
        if (m_id == 0) {
            return;
        }
        if (m_clock.elapsed() > 30000) {
            m_id = 0;
            return;
        }
        if (m_requests && !m_requestFound) {
            m_requestFound =
                selectIn(m_requests, rowsOf(m_requests->model(), 0, IdRole, m_id), true);
        }
        if (m_events) {
            const bool found = selectIn(
                m_events, rowsOf(m_events->model(), eventlogmodel::RequestColumn, SortRole, m_id),
                !m_eventsFound);
            m_eventsFound = m_eventsFound || found;
        }
        if (m_coroutines) {
            if (selectIn(m_coroutines, rowsOf(m_coroutines->model(), 0, IdRole, m_id),
                         !m_coroutineSeen)) {
                m_coroutineSeen = true;
                m_coroutines->expand(m_coroutines->currentIndex());
            } else if (m_coroutineSeen) {
                m_id = 0; // the request ended
            }
        }
    }

    QMainWindow* m_window;
    QPointer<QTreeView> m_requests;
    QPointer<QTreeView> m_events;
    QPointer<QTreeView> m_coroutines;
    QElapsedTimer m_clock;
    quint64 m_id = 0;
    bool m_requestFound = false;
    bool m_eventsFound = false;
    bool m_coroutineSeen = false;
};

} // namespace

void selectRequestInViews(QMainWindow* window, DebugController*, quint64 requestId)
{
    auto* selection = window->findChild<RuntimeSelection*>(QStringLiteral("runtimeSelection"),
                                                           Qt::FindDirectChildrenOnly);
    if (!selection) {
        selection = new RuntimeSelection(window);
    }
    selection->select(requestId);
}

ClientDock* installClientDock(QMainWindow* window, DebugController* controller)
{
    auto* client = new ClientDock(controller);
    auto* dock = new QDockWidget(QObject::tr("HTTP client"), window);
    dock->setObjectName(QStringLiteral("clientDock"));
    dock->setWidget(client);
    window->addDockWidget(Qt::LeftDockWidgetArea, dock);
    auto* requests = window->findChild<QDockWidget*>(QStringLiteral("requestsDock"));
    if (requests) {
        window->splitDockWidget(requests, dock, Qt::Vertical);
    }
    auto* coroutines = window->findChild<QDockWidget*>(QStringLiteral("coroutinesDock"));
    if (requests && coroutines && !QSettings().contains(QStringLiteral("mainwindow/state"))) {
        // No saved layout: once the window has its size, the client gets two thirds of the
        // left column and the column two fifths of the width (a request editor and a JSON
        // body need the room more than the Requests list does).
        QTimer::singleShot(0, dock, [window, requests, coroutines, dock] {
            const int w = window->width();
            const int h = window->height();
            window->resizeDocks({requests, coroutines}, {w * 2 / 5, w * 3 / 5}, Qt::Horizontal);
            window->resizeDocks({requests, dock}, {h / 4, h / 2}, Qt::Vertical);
        });
    }
    if (auto* viewMenu = window->menuBar()->findChild<QMenu*>(QStringLiteral("viewMenu"))) {
        viewMenu->addAction(dock->toggleViewAction());
    }
    QObject::connect(client, &ClientDock::showInRuntime, window, [window, controller](quint64 id) {
        selectRequestInViews(window, controller, id);
    });
    return client;
}

} // namespace restyscope::ui::client
