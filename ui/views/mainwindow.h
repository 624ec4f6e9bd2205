#pragma once
// Design: the main window hosts one dock per view (Requests, Coroutines, Ready/Posted, Code
// cache, Events) over the models, fed by a DebugController's event batches and snapshots.
// It knows nothing of the engine classes, only the controller.

#include "engine/debug/snapshot.h"
#include "engine/trace/event.h"

#include <QMainWindow>

#include <memory>

class QAction;
class QDockWidget;
class QActionGroup;
class QLabel;
class QMenu;
class QTimer;
class QToolBar;
class QTreeView;

namespace restyscope::engine::history {
class History;
}

namespace restyscope::ui {

class DebugController;
class RequestsModel;
class CoroutineTreeModel;
class ReadyListModel;
class PostedQueueModel;
class CodeCacheModel;
class EventLogModel;
class EventFilterModel;
class ErrorLogModel;
class PackageModel;
class InspectorPane;
class SourcePane;
class TimelineModel;
class TimelinePane;
struct LineStopInfo;
namespace client {
class ClientDock;
}

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(DebugController* controller, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Shown in the status bar and the title when the engine could not start; a configuration
    // error ("... in /abs/conf/nginx.conf:12") also shows a banner and its line in Source.
    void setEngineError(const QString& error);
    // Serves directory (an OpenResty prefix or a plain Lua dir, see workspace.h): restarts the
    // engine there, resets the views and remembers the dir. False when it cannot be served;
    // the window stays up and says why.
    bool openDirectory(const QString& directory, bool startPaused = false);
    QString directory() const { return m_directory; }
    QStringList recentDirectories() const;
    SourcePane* sourcePane() const { return m_source; }
    InspectorPane* inspectorPane() const { return m_inspector; }
    client::ClientDock* clientDock() const { return m_client; }
    // Selects the request in the Requests, Coroutines and Events views (the client's link);
    // the Timeline follows the Requests view's selection.
    void selectRequest(quint64 requestId);

    // History and traces (mainwindowhistory.cpp). Opens a trace file (the JSON Lines of
    // --trace) offline: the engine stops and every view shows the file's events; lines that
    // cannot be read are skipped and a banner says so. False when nothing could be read.
    bool openTrace(const QString& path);
    // Writes the events the history holds as a trace file.
    bool saveTrace(const QString& path, QString& error);
    bool isOffline() const { return !m_traceFile.isEmpty(); }
    const engine::history::History& history() const { return *m_history; }
    TimelineModel* timelineModel() const { return m_timeline; }
    TimelinePane* timelinePane() const { return m_timelinePane; }
    // Shows the request in the Timeline and brings its dock forward.
    void showInTimeline(const QList<quint64>& requestIds);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void createFileMenu();
    void createHelpMenu();
    void updateRecentMenu();
    void showAbout();
    void createActions();
    void createDocks();
    void defaultLayout();
    void resetLayout();
    void onSnapshot(const engine::debug::Snapshot& snapshot);
    void onEvents(const QVector<engine::trace::Event>& events);
    void updateStatus();
    void updateTitle();
    void createBreakMenu(QMenu* debugMenu);
    void applyBreakToggles();
    void onLineStopped(const LineStopInfo& stop);
    void onLineResumed();
    int selectedReadyIndex() const;
    void stepReady(int index);
    QWidget* createEventsPane();
    QWidget* createCachePane();
    QWidget* createRequestsPane(QWidget* requestView);
    void resetViews();
    // mainwindowhistory.cpp
    void createTraceActions(QMenu* fileMenu);
    QDockWidget* createTimelineDock();
    void createTraceBanner();
    void applyToHistory(const QVector<engine::trace::Event>& events);
    void updateHistoryStatus();
    void updateWaitChains();

    DebugController* m_controller;
    RequestsModel* m_requests;
    CoroutineTreeModel* m_coroutines;
    ReadyListModel* m_ready;
    PostedQueueModel* m_posted;
    CodeCacheModel* m_cache;
    EventLogModel* m_events;
    PackageModel* m_packages;
    ErrorLogModel* m_errorLog;
    EventFilterModel* m_eventFilter;
    std::unique_ptr<engine::history::History> m_history;
    TimelineModel* m_timeline;

    QTreeView* m_coroutineView = nullptr;
    QTreeView* m_requestView = nullptr;
    TimelinePane* m_timelinePane = nullptr;
    QToolBar* m_traceBar = nullptr; // "what could not be read" of an opened trace
    QLabel* m_traceText = nullptr;
    QLabel* m_historyLabel = nullptr;
    QTimer* m_waitTimer = nullptr; // waits grow between events: their chains are redone
    QString m_traceFile;           // the trace shown offline; empty while an engine serves
    QTreeView* m_eventView = nullptr;
    QTreeView* m_readyView = nullptr;
    QAction* m_continueAction = nullptr;
    QAction* m_pauseAction = nullptr;
    QAction* m_stepAction = nullptr;
    QAction* m_reloadAction = nullptr;
    QAction* m_listenAction = nullptr;
    QAction* m_stepIntoAction = nullptr;
    QAction* m_stepOverAction = nullptr;
    QAction* m_stepOutAction = nullptr;
    QList<QAction*> m_breakActions; // checkable; objectName is the QSettings key
    SourcePane* m_source = nullptr;
    InspectorPane* m_inspector = nullptr;
    client::ClientDock* m_client = nullptr; // the HTTP client dock (ui/client)
    QActionGroup* m_cacheGroup = nullptr;
    QLabel* m_urlLabel = nullptr;
    QLabel* m_stateLabel = nullptr;
    QLabel* m_dropLabel = nullptr;
    QLabel* m_requestsDropped = nullptr; // "N older requests dropped", under the Requests view
    QToolBar* m_errorBar = nullptr;      // the configuration error banner
    QLabel* m_errorText = nullptr;
    QMenu* m_recentMenu = nullptr;
    QTreeView* m_errorLogView = nullptr;
    QString m_directory;
    QByteArray m_defaultState; // the docks as createDocks() placed them, for View > Reset layout

    bool m_paused = false;
    bool m_atLine = false;
    QString m_lineText; // "lua/x.lua:5" while stopped at a line
    std::size_t m_readyCount = 0;
    quint64 m_droppedEvents = 0;
    QString m_engineError;
};

} // namespace restyscope::ui
