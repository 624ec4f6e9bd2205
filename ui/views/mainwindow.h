#pragma once
// Design: the main window hosts one dock per view (Requests, Coroutines, Ready/Posted, Code
// cache, Events) over the models, fed by a DebugController's event batches and snapshots.
// It knows nothing of the engine classes, only the controller.

#include "engine/debug/snapshot.h"
#include "engine/trace/event.h"

#include <QMainWindow>

class QAction;
class QActionGroup;
class QLabel;
class QMenu;
class QTreeView;

namespace restyscope::ui {

class DebugController;
class RequestsModel;
class CoroutineTreeModel;
class ReadyListModel;
class PostedQueueModel;
class CodeCacheModel;
class EventLogModel;
class InspectorPane;
class SourcePane;
struct LineStopInfo;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(DebugController* controller, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Shown in the status bar and the title when the engine could not start.
    void setEngineError(const QString& error);
    SourcePane* sourcePane() const { return m_source; }
    InspectorPane* inspectorPane() const { return m_inspector; }

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void createActions();
    void createDocks();
    void defaultLayout();
    void onSnapshot(const engine::debug::Snapshot& snapshot);
    void onEvents(const QVector<engine::trace::Event>& events);
    void updateStatus();
    void updateTitle();
    void createBreakMenu(QMenu* debugMenu);
    void applyBreakToggles();
    void onLineStopped(const LineStopInfo& stop);
    void onLineResumed();

    DebugController* m_controller;
    RequestsModel* m_requests;
    CoroutineTreeModel* m_coroutines;
    ReadyListModel* m_ready;
    PostedQueueModel* m_posted;
    CodeCacheModel* m_cache;
    EventLogModel* m_events;

    QTreeView* m_coroutineView = nullptr;
    QTreeView* m_eventView = nullptr;
    QAction* m_continueAction = nullptr;
    QAction* m_pauseAction = nullptr;
    QAction* m_stepAction = nullptr;
    QAction* m_reloadAction = nullptr;
    QAction* m_stepIntoAction = nullptr;
    QAction* m_stepOverAction = nullptr;
    QAction* m_stepOutAction = nullptr;
    QList<QAction*> m_breakActions; // checkable; objectName is the QSettings key
    SourcePane* m_source = nullptr;
    InspectorPane* m_inspector = nullptr;
    QActionGroup* m_cacheGroup = nullptr;
    QLabel* m_urlLabel = nullptr;
    QLabel* m_stateLabel = nullptr;
    QLabel* m_dropLabel = nullptr;

    bool m_paused = false;
    bool m_atLine = false;
    QString m_lineText; // "lua/x.lua:5" while stopped at a line
    std::size_t m_readyCount = 0;
    quint64 m_droppedEvents = 0;
    QString m_engineError;
};

} // namespace restyscope::ui
