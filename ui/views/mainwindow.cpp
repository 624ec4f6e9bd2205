#include "ui/views/mainwindow.h"

#include "engine/history/history.h"
#include "ui/bridge/debugcontroller.h"
#include "ui/bridge/workspace.h"
#include "ui/client/dock/clientinstall.h"
#include "ui/models/codecachemodel.h"
#include "ui/models/coroutinetreemodel.h"
#include "ui/models/errorlogmodel.h"
#include "ui/models/eventfiltermodel.h"
#include "ui/models/eventlogmodel.h"
#include "ui/models/packagemodel.h"
#include "ui/models/postedqueuemodel.h"
#include "ui/models/readylistmodel.h"
#include "ui/models/requestsmodel.h"
#include "ui/models/timelinemodel.h"
#include "ui/models/yieldcolors.h"
#include "ui/views/emptystate.h"
#include "ui/views/inspectorview.h"
#include "ui/views/sourceview.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIcon>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPixmap>
#include <QRegularExpression>
#include <QRegularExpressionValidator>
#include <QScreen>
#include <QScrollBar>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>

namespace restyscope::ui {

namespace {

QTreeView* makeView(QAbstractItemModel* model, const QString& name, bool tree, bool sortable)
{
    auto* view = new QTreeView;
    view->setObjectName(name);
    view->setUniformRowHeights(true);
    view->setRootIsDecorated(tree);
    view->setAlternatingRowColors(true);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    if (sortable) {
        auto* proxy = new QSortFilterProxyModel(view);
        proxy->setSortRole(SortRole);
        proxy->setSourceModel(model);
        view->setModel(proxy);
        view->setSortingEnabled(true);
        view->sortByColumn(0, Qt::AscendingOrder);
    } else {
        view->setModel(model);
    }
    view->header()->setStretchLastSection(true);
    view->header()->setSectionResizeMode(QHeaderView::Interactive);
    return view;
}

void setColumnWidths(QTreeView* view, std::initializer_list<int> widthsInChars)
{
    const int unit = view->fontMetrics().horizontalAdvance(QLatin1Char('m'));
    int column = 0;
    for (const int chars : widthsInChars) {
        view->setColumnWidth(column++, chars * unit);
    }
}

QString legendHtml()
{
    QString html;
    for (std::size_t i = 1; i < engine::trace::kYieldReasonCount; ++i) {
        const auto reason = static_cast<engine::trace::YieldReason>(i);
        html += QStringLiteral("<span style=\"color:%1\">&#9632;</span>&nbsp;%2 &nbsp; ")
                    .arg(yieldReasonColor(reason).name(), yieldReasonText(reason).toHtmlEscaped());
    }
    return html;
}

} // namespace

MainWindow::MainWindow(DebugController* controller, QWidget* parent)
    : QMainWindow(parent), m_controller(controller), m_requests(new RequestsModel(this)),
      m_coroutines(new CoroutineTreeModel(this)), m_ready(new ReadyListModel(this)),
      m_posted(new PostedQueueModel(this)), m_cache(new CodeCacheModel(this)),
      m_events(new EventLogModel(this)), m_packages(new PackageModel(this)),
      m_errorLog(new ErrorLogModel(this)), m_eventFilter(new EventFilterModel(this)),
      m_history(std::make_unique<engine::history::History>()), m_timeline(new TimelineModel(this))
{
    m_timeline->setObjectName(QStringLiteral("timelineModel"));
    m_timeline->setHistory(m_history.get());
    m_requests->setObjectName(QStringLiteral("requestsModel"));
    m_coroutines->setObjectName(QStringLiteral("coroutineTreeModel"));
    m_ready->setObjectName(QStringLiteral("readyListModel"));
    m_posted->setObjectName(QStringLiteral("postedQueueModel"));
    m_cache->setObjectName(QStringLiteral("codeCacheModel"));
    m_events->setObjectName(QStringLiteral("eventLogModel"));
    m_packages->setObjectName(QStringLiteral("packageModel"));
    m_errorLog->setObjectName(QStringLiteral("errorLogModel"));
    m_eventFilter->setObjectName(QStringLiteral("eventFilterModel"));

    createActions();
    createDocks();
    m_client = client::installClientDock(this, controller);

    m_urlLabel = new QLabel;
    m_urlLabel->setObjectName(QStringLiteral("listenerLabel"));
    m_urlLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_stateLabel = new QLabel;
    m_dropLabel = new QLabel;
    m_historyLabel = new QLabel;
    m_historyLabel->setObjectName(QStringLiteral("historyLabel"));
    statusBar()->addWidget(m_stateLabel);
    statusBar()->addWidget(m_urlLabel, 1);
    statusBar()->addPermanentWidget(m_historyLabel);
    statusBar()->addPermanentWidget(m_dropLabel);

    connect(controller, &DebugController::eventsArrived, this, &MainWindow::onEvents);
    connect(controller, &DebugController::snapshotArrived, this, &MainWindow::onSnapshot);
    connect(controller, &DebugController::errorLogArrived, this, [this](const QStringList& lines) {
        auto* bar = m_errorLogView->verticalScrollBar();
        const bool atEnd = bar->value() == bar->maximum();
        m_errorLog->appendLines(lines);
        if (atEnd) {
            m_errorLogView->scrollToBottom();
        }
    });
    connect(controller, &DebugController::droppedEventsChanged, this, [this](quint64 total) {
        m_droppedEvents = total;
        updateStatus();
    });
    connect(m_requests, &RequestsModel::droppedCountChanged, this, &MainWindow::updateStatus);
    connect(controller, &DebugController::lineStopped, this, &MainWindow::onLineStopped);
    connect(controller, &DebugController::lineResumed, this, &MainWindow::onLineResumed);
    connect(controller, &DebugController::commandFailed, this,
            [this](const QString& message) { statusBar()->showMessage(message, 5000); });

    const QSize available = screen() ? screen()->availableSize() : QSize(1440, 900);
    resize(std::max(1024, available.width() * 9 / 10), std::max(700, available.height() * 9 / 10));
    m_defaultState = saveState();
    auto* viewMenu = menuBar()->findChild<QMenu*>(QStringLiteral("viewMenu"));
    viewMenu->addSeparator();
    auto* reset = viewMenu->addAction(tr("&Reset layout"));
    reset->setObjectName(QStringLiteral("actionResetLayout"));
    reset->setToolTip(tr("Every dock back where it was at first launch, sized to the window"));
    connect(reset, &QAction::triggered, this, &MainWindow::resetLayout);
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("mainwindow/geometry")).toByteArray());
    if (!restoreState(settings.value(QStringLiteral("mainwindow/state")).toByteArray())) {
        // Once shown: dock sizes given before the first layout are not kept.
        QTimer::singleShot(0, this, &MainWindow::defaultLayout);
    }
    updateStatus();
    updateTitle();
}

MainWindow::~MainWindow()
{
    m_timeline->setHistory(nullptr);
}

void MainWindow::selectRequest(quint64 requestId)
{
    client::selectRequestInViews(this, m_controller, requestId);
}

void MainWindow::createActions()
{
    createFileMenu();
    auto* debugMenu = menuBar()->addMenu(tr("&Debug"));
    auto* toolbar = addToolBar(tr("Debug"));
    toolbar->setObjectName(QStringLiteral("debugToolBar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);

    auto add = [&](const QString& name, const QString& text, const QKeySequence& key) {
        auto* action = new QAction(text, this);
        action->setObjectName(name);
        action->setShortcut(key);
        action->setToolTip(key.isEmpty()
                               ? text
                               : text + QStringLiteral(" (") +
                                     key.toString(QKeySequence::NativeText) + QLatin1Char(')'));
        debugMenu->addAction(action);
        toolbar->addAction(action);
        return action;
    };
    m_continueAction = add(QStringLiteral("actionContinue"), tr("Continue"), Qt::Key_F5);
    m_pauseAction = add(QStringLiteral("actionPause"), tr("Pause"), Qt::Key_F6);
    m_stepAction = add(QStringLiteral("actionStep"), tr("Step resume"), Qt::Key_F10);
    m_stepAction->setToolTip(tr("Step resume (F10): let the held resume selected in the Ready "
                                "list run (the first one when none is selected). "
                                "At a line stop F10 steps over the line"));
    debugMenu->addSeparator();
    toolbar->addSeparator();
    m_stepIntoAction = add(QStringLiteral("actionStepInto"), tr("Step into"), Qt::Key_F11);
    m_stepOverAction = add(QStringLiteral("actionStepOver"), tr("Step over"),
                           QKeySequence(Qt::CTRL | Qt::Key_F10));
    m_stepOverAction->setToolTip(tr("Step over (Ctrl+F10, or F10 while stopped at a line)"));
    m_stepOutAction =
        add(QStringLiteral("actionStepOut"), tr("Step out"), QKeySequence(Qt::SHIFT | Qt::Key_F11));
    debugMenu->addSeparator();
    toolbar->addSeparator();
    m_reloadAction = add(QStringLiteral("actionReloadCode"), tr("Reload code"), {});
    connect(m_continueAction, &QAction::triggered, m_controller, [this] {
        // Continue leaves a line stop and releases the held resumes alike.
        if (m_atLine) {
            m_controller->continueFromLine();
        }
        if (m_paused || !m_atLine) {
            m_controller->cont();
        }
    });
    connect(m_pauseAction, &QAction::triggered, m_controller, &DebugController::pause);
    connect(m_stepAction, &QAction::triggered, m_controller, [this] {
        if (m_atLine) {
            m_controller->stepLine(LineStepKind::Over);
        } else {
            stepReady(selectedReadyIndex());
        }
    });
    const std::pair<QAction*, LineStepKind> lineSteps[] = {{m_stepIntoAction, LineStepKind::Into},
                                                           {m_stepOverAction, LineStepKind::Over},
                                                           {m_stepOutAction, LineStepKind::Out}};
    for (const auto& [action, kind] : lineSteps) {
        connect(action, &QAction::triggered, m_controller,
                [this, k = kind] { m_controller->stepLine(k); });
    }
    connect(m_reloadAction, &QAction::triggered, m_controller, &DebugController::reloadCode);
    // Stop listener: new connections are refused, open ones (and held resumes) go on.
    m_listenAction = add(QStringLiteral("actionListen"), tr("Listening"), {});
    m_listenAction->setCheckable(true);
    m_listenAction->setChecked(true);
    m_listenAction->setToolTip(tr("Accept new connections (unchecked: the listener is stopped, "
                                  "open connections are still served)"));
    connect(m_listenAction, &QAction::triggered, m_controller,
            [this](bool on) { m_controller->setAccepting(on); });
    connect(m_controller, &DebugController::acceptingChanged, this, [this](bool on) {
        m_listenAction->setChecked(on);
        updateStatus();
    });

    auto* cacheMenu = debugMenu->addMenu(tr("lua_code_cache"));
    m_cacheGroup = new QActionGroup(this);
    const std::pair<CodeCacheMode, QString> modes[] = {
        {CodeCacheMode::AsConfigured, tr("As configured")},
        {CodeCacheMode::On, tr("On everywhere")},
        {CodeCacheMode::Off, tr("Off everywhere")},
    };
    for (const auto& [mode, text] : modes) {
        auto* action = cacheMenu->addAction(text);
        action->setCheckable(true);
        action->setChecked(mode == CodeCacheMode::AsConfigured);
        action->setObjectName(QStringLiteral("actionCodeCache%1").arg(static_cast<int>(mode)));
        m_cacheGroup->addAction(action);
        connect(action, &QAction::triggered, m_controller,
                [this, m = mode] { m_controller->setCodeCache(m); });
    }
    auto* cacheButton = cacheMenu->menuAction();
    cacheButton->setObjectName(QStringLiteral("actionCodeCache"));
    toolbar->addAction(cacheButton);

    createBreakMenu(debugMenu);

    auto* viewMenu = menuBar()->addMenu(tr("&View"));
    viewMenu->setObjectName(QStringLiteral("viewMenu"));
    createHelpMenu();

    // The configuration error banner, over the docks; hidden while the conf is good.
    addToolBarBreak();
    m_errorBar = new QToolBar(tr("Configuration error"), this);
    m_errorBar->setObjectName(QStringLiteral("errorBar"));
    m_errorBar->setMovable(false);
    m_errorBar->setStyleSheet(QStringLiteral("QToolBar { background: #ffebee; border: 0; }"));
    m_errorText = new QLabel;
    m_errorText->setObjectName(QStringLiteral("errorBanner"));
    m_errorText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_errorText->setWordWrap(true);
    m_errorText->setContentsMargins(6, 4, 6, 4);
    m_errorBar->addWidget(m_errorText);
    auto* retry = m_errorBar->addAction(tr("Retry"));
    retry->setObjectName(QStringLiteral("actionRetry"));
    retry->setToolTip(tr("Read the configuration again and start serving"));
    connect(retry, &QAction::triggered, this, [this] {
        if (!m_directory.isEmpty()) {
            openDirectory(m_directory);
        }
    });
    addToolBar(Qt::TopToolBarArea, m_errorBar);
    m_errorBar->hide();
    createTraceBanner();
}

void MainWindow::createFileMenu()
{
    auto* fileMenu = menuBar()->addMenu(tr("&File"));
    auto* open = fileMenu->addAction(tr("&Open..."));
    open->setObjectName(QStringLiteral("actionOpen"));
    open->setShortcut(QKeySequence::Open);
    open->setToolTip(tr("Open an OpenResty prefix (conf/nginx.conf) or a directory of Lua files"));
    connect(open, &QAction::triggered, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(
            this, tr("Open an OpenResty prefix or a Lua directory"), m_directory);
        if (!dir.isEmpty()) {
            openDirectory(dir);
        }
    });
    m_recentMenu = fileMenu->addMenu(tr("Open &Recent"));
    m_recentMenu->setObjectName(QStringLiteral("recentMenu"));
    updateRecentMenu();
    fileMenu->addSeparator();
    createTraceActions(fileMenu);
    fileMenu->addSeparator();
    auto* quit = fileMenu->addAction(tr("&Quit"));
    quit->setObjectName(QStringLiteral("actionQuit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);
}

QStringList MainWindow::recentDirectories() const
{
    return QSettings().value(QStringLiteral("recent/directories")).toStringList();
}

void MainWindow::updateRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = recentDirectories();
    for (const auto& dir : recent) {
        auto* action = m_recentMenu->addAction(dir);
        connect(action, &QAction::triggered, this, [this, dir] { openDirectory(dir); });
    }
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::createHelpMenu()
{
    auto* helpMenu = menuBar()->addMenu(tr("&Help"));
    auto* about = helpMenu->addAction(tr("&About restyscope"));
    about->setObjectName(QStringLiteral("actionAbout"));
    connect(about, &QAction::triggered, this, &MainWindow::showAbout);
}

void MainWindow::showAbout()
{
    QString engine = m_controller->engineVersion(); // "restyscope/V (LuaJIT V)"
    QString version = engine.section(QLatin1Char(' '), 0, 0).section(QLatin1Char('/'), 1);
    QString luajit =
        engine.section(QLatin1Char('('), 1).chopped(engine.endsWith(QLatin1Char(')')) ? 1 : 0);
    QMessageBox about(this);
    about.setObjectName(QStringLiteral("aboutBox"));
    about.setWindowTitle(tr("About restyscope"));
    about.setIconPixmap(QPixmap());
    about.setText(tr("<h3>restyscope %1</h3>"
                     "<p>What OpenResty does with a request: the code cache, the coroutines, "
                     "their yield reasons and the posted-thread queue, live.</p>"
                     "<table><tr><td>Qt&nbsp;</td><td>%2 (built with %3)</td></tr>"
                     "<tr><td>Lua&nbsp;</td><td>%4</td></tr></table>")
                      .arg(version.toHtmlEscaped(), QString::fromLatin1(qVersion()),
                           QStringLiteral(QT_VERSION_STR), luajit.toHtmlEscaped()));
    about.exec();
}

void MainWindow::createBreakMenu(QMenu* debugMenu)
{
    debugMenu->addSeparator();
    QSettings settings;
    auto toggle = [&](QMenu* menu, const QString& key, const QString& text) {
        auto* action = menu->addAction(text);
        action->setObjectName(key);
        action->setCheckable(true);
        action->setChecked(settings.value(QStringLiteral("break/") + key, false).toBool());
        connect(action, &QAction::toggled, this, [this, key](bool on) {
            QSettings().setValue(QStringLiteral("break/") + key, on);
            applyBreakToggles();
        });
        m_breakActions << action;
        return action;
    };
    toggle(debugMenu, QStringLiteral("breakOnNewRequest"), tr("Break on new request"));
    toggle(debugMenu, QStringLiteral("breakOnError"), tr("Break on error"));
    toggle(debugMenu, QStringLiteral("breakOnSpawnKill"), tr("Break on thread spawn/kill"));
    auto* reasons = debugMenu->addMenu(tr("Break on yield reason"));
    reasons->setObjectName(QStringLiteral("breakOnYieldMenu"));
    for (std::size_t i = 1; i < engine::trace::kYieldReasonCount; ++i) {
        const auto reason = static_cast<engine::trace::YieldReason>(i);
        QPixmap swatch(12, 12);
        swatch.fill(yieldReasonColor(reason));
        toggle(reasons, QStringLiteral("breakOnYield%1").arg(i), yieldReasonText(reason))
            ->setIcon(QIcon(swatch));
    }
    applyBreakToggles();
}

void MainWindow::applyBreakToggles()
{
    BreakToggles toggles;
    for (auto* action : std::as_const(m_breakActions)) {
        if (!action->isChecked()) {
            continue;
        }
        const QString key = action->objectName();
        if (key == QLatin1String("breakOnNewRequest")) {
            toggles.newRequest = true;
        } else if (key == QLatin1String("breakOnError")) {
            toggles.error = true;
        } else if (key == QLatin1String("breakOnSpawnKill")) {
            toggles.spawnKill = true;
        } else if (key.startsWith(QLatin1String("breakOnYield"))) {
            toggles.yieldReasons |= quint64(1) << key.mid(12).toInt();
        }
    }
    m_controller->setBreakToggles(toggles);
}

void MainWindow::onLineStopped(const LineStopInfo& stop)
{
    m_atLine = true;
    m_source->showStop(stop);
    m_lineText = m_source->currentFile().isEmpty()
                     ? stop.source
                     : m_source->currentFile() + QLatin1Char(':') + QString::number(stop.line);
    if (stop.reason == QLatin1String("error")) {
        // Break on error: the coroutine failed here; Continue lets the error be handled.
        m_lineText += tr(" on error: %1").arg(stop.error);
    }
    if (auto* dock = findChild<QDockWidget*>(QStringLiteral("sourceDock"))) {
        dock->raise();
    }
    if (auto* dock = findChild<QDockWidget*>(QStringLiteral("inspectorDock"))) {
        dock->show();
        dock->raise();
    }
    updateStatus();
    updateTitle();
}

void MainWindow::onLineResumed()
{
    m_atLine = false;
    m_lineText.clear();
    m_source->clearStop();
    updateStatus();
    updateTitle();
}

void MainWindow::createDocks()
{
    setDockNestingEnabled(true);
    auto* viewMenu = menuBar()->findChild<QMenu*>(QStringLiteral("viewMenu"));
    auto dock = [&](const QString& name, const QString& title, QWidget* content,
                    Qt::DockWidgetArea area) {
        auto* widget = new QDockWidget(title, this);
        widget->setObjectName(name);
        // Never squeezed below a few readable rows and columns when the window shrinks.
        const int unit = fontMetrics().height();
        content->setMinimumSize(12 * unit, 6 * unit);
        widget->setWidget(content);
        addDockWidget(area, widget);
        viewMenu->addAction(widget->toggleViewAction());
        return widget;
    };

    auto* requestView = makeView(m_requests, QStringLiteral("requestsView"), false, true);
    new EmptyState(requestView, tr("No requests yet \u2014 send one from the HTTP client "
                                   "(Ctrl+Enter), or with curl to the listener"));
    setColumnWidths(requestView, {4, 15, 4, 7, 6, 8});
    m_requestView = requestView;
    // The Timeline shows the selected requests (several with Ctrl or Shift).
    requestView->setSelectionMode(QAbstractItemView::ExtendedSelection);
    connect(requestView->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        QList<quint64> ids;
        const auto rows = m_requestView->selectionModel()->selectedRows(0);
        for (const auto& row : rows) {
            ids << row.data(IdRole).toULongLong();
        }
        std::sort(ids.begin(), ids.end());
        if (!ids.isEmpty() && ids != m_timeline->shownRequests()) {
            showInTimeline(ids);
        }
    });
    auto* requestsDock = dock(QStringLiteral("requestsDock"), tr("Requests"),
                              createRequestsPane(requestView), Qt::LeftDockWidgetArea);

    m_coroutineView = makeView(m_coroutines, QStringLiteral("coroutinesView"), true, false);
    new EmptyState(m_coroutineView,
                   tr("No live coroutines. While a request runs, its entry thread, user "
                      "threads and coroutines show here; Pause (F6) first to step them"));
    setColumnWidths(m_coroutineView, {18, 7, 13, 12});
    auto* legend = new QLabel(legendHtml());
    legend->setObjectName(QStringLiteral("yieldLegend"));
    legend->setWordWrap(true);
    legend->setText(legend->text() + tr("<br><b>bold</b>: the next resume (Step runs it) &nbsp; "
                                        "<span style=\"color:gray\">grey</span>: done"));
    legend->setToolTip(tr("One colour per yield reason, in every view. Status: what each "
                          "coroutine is doing; its tooltip has coroutine.status's word"));
    auto* coroutinePane = new QWidget;
    auto* coroutineLayout = new QVBoxLayout(coroutinePane);
    coroutineLayout->setContentsMargins(0, 0, 0, 0);
    coroutineLayout->addWidget(m_coroutineView, 1);
    coroutineLayout->addWidget(legend);
    auto* coroutinesDock = dock(QStringLiteral("coroutinesDock"), tr("Coroutines"), coroutinePane,
                                Qt::RightDockWidgetArea);

    auto* readyView = makeView(m_ready, QStringLiteral("readyView"), false, false);
    m_readyView = readyView;
    new EmptyState(readyView, tr("Nothing held. While paused (F6), each resume waits here; "
                                 "Step resume (F10) runs the selected one"));
    readyView->setToolTip(tr("Select a held resume and Step resume (F10), or double-click it, "
                             "to run that one next"));
    connect(readyView, &QTreeView::doubleClicked, this,
            [this](const QModelIndex& index) { stepReady(index.row()); });
    auto* postedView = makeView(m_posted, QStringLiteral("postedView"), false, false);
    for (auto* view : {readyView, postedView}) {
        setColumnWidths(view, {2, 5, 10});
    }
    auto* queues = new QSplitter(Qt::Horizontal);
    auto titled = [](const QString& title, QWidget* view) {
        auto* pane = new QWidget;
        auto* layout = new QVBoxLayout(pane);
        layout->setContentsMargins(0, 0, 0, 0);
        layout->setSpacing(2);
        auto* label = new QLabel(QStringLiteral("<b>%1</b>").arg(title));
        layout->addWidget(label);
        layout->addWidget(view, 1);
        return pane;
    };
    queues->addWidget(titled(tr("Ready list (next resume first)"), readyView));
    queues->addWidget(titled(tr("Posted queue"), postedView));
    auto* queuesDock =
        dock(QStringLiteral("queuesDock"), tr("Ready / Posted"), queues, Qt::RightDockWidgetArea);

    auto* cacheDock = dock(QStringLiteral("codeCacheDock"), tr("Code cache"), createCachePane(),
                           Qt::BottomDockWidgetArea);
    auto* eventsDock = dock(QStringLiteral("eventsDock"), tr("Events"), createEventsPane(),
                            Qt::BottomDockWidgetArea);

    // Requests on the left; coroutines over the queues on the right; cache and events below.
    splitDockWidget(requestsDock, coroutinesDock, Qt::Horizontal);
    splitDockWidget(coroutinesDock, queuesDock, Qt::Vertical);
    tabifyDockWidget(eventsDock, cacheDock);
    auto* timelineDock = createTimelineDock();
    tabifyDockWidget(eventsDock, timelineDock);
    eventsDock->raise();

    m_source = new SourcePane(m_controller);
    m_source->setObjectName(QStringLiteral("sourcePane"));
    m_source->setPrefix(m_controller->prefix());
    auto* sourceDock =
        dock(QStringLiteral("sourceDock"), tr("Source"), m_source, Qt::RightDockWidgetArea);
    tabifyDockWidget(coroutinesDock, sourceDock);
    coroutinesDock->raise();
    m_inspector = new InspectorPane(m_controller);
    m_inspector->setObjectName(QStringLiteral("inspectorPane"));
    auto* inspectorDock = dock(QStringLiteral("inspectorDock"), tr("Inspector"), m_inspector,
                               Qt::RightDockWidgetArea);
    tabifyDockWidget(queuesDock, inspectorDock);
    queuesDock->raise();
}

QWidget* MainWindow::createRequestsPane(QWidget* requestView)
{
    auto* pane = new QWidget;
    auto* layout = new QVBoxLayout(pane);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(requestView, 1);
    m_requestsDropped = new QLabel;
    m_requestsDropped->setObjectName(QStringLiteral("requestsDroppedLabel"));
    m_requestsDropped->setContentsMargins(4, 0, 4, 2);
    m_requestsDropped->setStyleSheet(QStringLiteral("color: #b26a00;"));
    m_requestsDropped->hide();
    layout->addWidget(m_requestsDropped);
    return pane;
}

QWidget* MainWindow::createCachePane()
{
    // The registry entries, and beside them what require() loaded into each VM.
    auto* cacheView = makeView(m_cache, QStringLiteral("codeCacheView"), false, true);
    new EmptyState(cacheView, tr("The code cache is empty: a handler's Lua code is stored here "
                                 "once loaded. With lua_code_cache off, each request's VM and "
                                 "its cache close with the request (Debug > lua_code_cache)"));
    setColumnWidths(cacheView, {9, 26, 22, 26, 7, 5});
    auto* packageView = makeView(m_packages, QStringLiteral("packageView"), false, true);
    setColumnWidths(packageView, {9, 14});
    packageView->setToolTip(tr("package.loaded of each VM: the modules require() found in a "
                               "file (package.path, package.cpath)"));
    auto* splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(cacheView);
    splitter->addWidget(packageView);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    return splitter;
}

QWidget* MainWindow::createEventsPane()
{
    // The view reads the log directly while no filter is set: under load the proxy's
    // bookkeeping of 20000 rows per batch is the costliest part of an update.
    m_eventView = makeView(m_events, QStringLiteral("eventsView"), false, false);
    new EmptyState(m_eventView, tr("No probe events yet: every scheduling step of a request "
                                   "streams here as it runs"));
    setColumnWidths(m_eventView, {6, 9, 6, 7, 12, 12, 6});

    // The filters: typed keys, applied as they are typed.
    auto* filters = new QWidget;
    auto* row = new QHBoxLayout(filters);
    row->setContentsMargins(2, 2, 2, 2);
    const auto* digits =
        new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[0-9]{0,19}")), filters);
    auto* requestFilter = new QLineEdit;
    requestFilter->setObjectName(QStringLiteral("eventRequestFilter"));
    requestFilter->setPlaceholderText(tr("request id"));
    requestFilter->setValidator(digits);
    requestFilter->setClearButtonEnabled(true);
    auto* coroutineFilter = new QLineEdit;
    coroutineFilter->setObjectName(QStringLiteral("eventCoroutineFilter"));
    coroutineFilter->setPlaceholderText(tr("coroutine id"));
    coroutineFilter->setValidator(digits);
    coroutineFilter->setClearButtonEnabled(true);
    auto* kindFilter = new QComboBox;
    kindFilter->setObjectName(QStringLiteral("eventKindFilter"));
    kindFilter->addItem(tr("all events"), -1);
    for (std::size_t i = 0; i < engine::trace::kEventKindCount; ++i) {
        kindFilter->addItem(eventKindText(static_cast<engine::trace::EventKind>(i)),
                            static_cast<int>(i));
    }
    const int unit = fontMetrics().horizontalAdvance(QLatin1Char('m'));
    requestFilter->setMaximumWidth(12 * unit);
    coroutineFilter->setMaximumWidth(12 * unit);
    row->addWidget(new QLabel(tr("Filter:")));
    row->addWidget(requestFilter);
    row->addWidget(coroutineFilter);
    row->addWidget(kindFilter);
    row->addStretch(1);
    // Unused, the proxy is detached too: it would follow every batch.
    auto useFilter = [this] {
        const bool filtering = m_eventFilter->isFiltering();
        m_eventFilter->setSourceModel(filtering ? m_events : nullptr);
        QAbstractItemModel* wanted =
            filtering ? static_cast<QAbstractItemModel*>(m_eventFilter) : m_events;
        if (m_eventView->model() != wanted) {
            const QByteArray columns = m_eventView->header()->saveState();
            m_eventView->setModel(wanted);
            m_eventView->header()->restoreState(columns);
            m_eventView->scrollToBottom();
        }
    };
    connect(requestFilter, &QLineEdit::textChanged, this, [this, useFilter](const QString& text) {
        m_eventFilter->setRequestId(text.toULongLong());
        useFilter();
    });
    connect(coroutineFilter, &QLineEdit::textChanged, this, [this, useFilter](const QString& text) {
        m_eventFilter->setCoroutineId(text.toUInt());
        useFilter();
    });
    connect(kindFilter, &QComboBox::currentIndexChanged, this,
            [this, kindFilter, useFilter](int index) {
                const int kind = kindFilter->itemData(index).toInt();
                m_eventFilter->setKind(
                    kind < 0 ? std::nullopt
                             : std::optional(static_cast<engine::trace::EventKind>(kind)));
                useFilter();
            });

    auto* eventsPane = new QWidget;
    auto* layout = new QVBoxLayout(eventsPane);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(filters);
    layout->addWidget(m_eventView, 1);

    m_errorLogView = makeView(m_errorLog, QStringLiteral("errorLogView"), false, false);
    m_errorLogView->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_errorLogView->setHeaderHidden(true);
    m_errorLogView->setWordWrap(false);

    auto* tabs = new QTabWidget;
    tabs->setObjectName(QStringLiteral("eventTabs"));
    tabs->setDocumentMode(true);
    tabs->addTab(eventsPane, tr("Probe events"));
    tabs->addTab(m_errorLogView, tr("error.log"));
    return tabs;
}

void MainWindow::defaultLayout()
{
    // Pixel sizes from the window's: the coroutine tree gets the most room, the log 3/10.
    auto* requestsDock = findChild<QDockWidget*>(QStringLiteral("requestsDock"));
    auto* coroutinesDock = findChild<QDockWidget*>(QStringLiteral("coroutinesDock"));
    auto* queuesDock = findChild<QDockWidget*>(QStringLiteral("queuesDock"));
    auto* eventsDock = findChild<QDockWidget*>(QStringLiteral("eventsDock"));
    const int w = width();
    const int h = height();
    resizeDocks({requestsDock, coroutinesDock}, {w / 3, w * 2 / 3}, Qt::Horizontal);
    // The bottom row holds the Timeline: more room than a log needs.
    resizeDocks({eventsDock}, {h * 2 / 5}, Qt::Vertical);
    resizeDocks({coroutinesDock, queuesDock}, {h * 2 / 5, h * 3 / 10}, Qt::Vertical);
}

void MainWindow::resetLayout()
{
    restoreState(m_defaultState);
    for (auto* dock : findChildren<QDockWidget*>()) {
        dock->setFloating(false);
    }
    defaultLayout();
}

void MainWindow::onEvents(const QVector<engine::trace::Event>& events)
{
    // Follow the log only when the user is at its end.
    auto* bar = m_eventView->verticalScrollBar();
    const bool atEnd = bar->value() == bar->maximum();
    m_requests->applyEvents(events);
    m_events->applyEvents(events);
    applyToHistory(events);
    if (atEnd) {
        m_eventView->scrollToBottom();
    }
}

int MainWindow::selectedReadyIndex() const
{
    const QModelIndex current = m_readyView->currentIndex();
    return current.isValid() && m_readyView->selectionModel()->isRowSelected(current.row())
               ? current.row()
               : 0;
}

void MainWindow::stepReady(int index)
{
    if (m_atLine || !m_paused || index < 0 || index >= m_ready->rowCount()) {
        return;
    }
    m_controller->step(index);
}

void MainWindow::onSnapshot(const engine::debug::Snapshot& snapshot)
{
    m_paused = snapshot.paused;
    m_readyCount = snapshot.ready.size();
    m_requests->applySnapshot(snapshot);
    m_coroutines->setSnapshot(snapshot);
    m_coroutineView->expandAll();
    // The ready list is swapped in whole (a model reset): the held resume the user selected
    // stays selected, found by its request and coroutine, so Step runs that one.
    const QModelIndex selected = m_readyView->currentIndex();
    const bool hadSelection =
        selected.isValid() && m_readyView->selectionModel()->isRowSelected(selected.row());
    const quint64 selectedRequest = hadSelection ? m_ready->rowAt(selected.row()).requestId : 0;
    const quint32 selectedCoroutine = hadSelection ? m_ready->rowAt(selected.row()).coroutineId : 0;
    m_ready->setSnapshot(snapshot);
    for (int row = 0; hadSelection && row < m_ready->rowCount(); ++row) {
        if (m_ready->rowAt(row).requestId == selectedRequest &&
            m_ready->rowAt(row).coroutineId == selectedCoroutine) {
            m_readyView->selectionModel()->setCurrentIndex(m_ready->index(row, 0),
                                                           QItemSelectionModel::ClearAndSelect |
                                                               QItemSelectionModel::Rows);
            break;
        }
    }
    m_posted->setSnapshot(snapshot);
    m_cache->setSnapshot(snapshot);
    m_packages->setSnapshot(snapshot);
    updateStatus();
    updateTitle();
}

void MainWindow::setEngineError(const QString& error)
{
    m_engineError = error;
    if (error.isEmpty()) {
        m_errorBar->hide();
    } else {
        m_errorText->setText(
            QStringLiteral("<b>%1</b> %2").arg(tr("Not serving:"), error.toHtmlEscaped()));
        m_errorBar->show();
        // nginx words a conf error "... in /abs/conf/nginx.conf:12": show that line.
        static const QRegularExpression where(QStringLiteral(" in (\\S+):(\\d+)$"));
        const auto match = where.match(error);
        if (match.hasMatch() &&
            m_source->showErrorLine(match.captured(1), match.captured(2).toInt())) {
            if (auto* dock = findChild<QDockWidget*>(QStringLiteral("sourceDock"))) {
                dock->show();
                dock->raise();
            }
        }
    }
    updateStatus();
    updateTitle();
}

bool MainWindow::openDirectory(const QString& directory, bool startPaused)
{
    Workspace workspace;
    QString error;
    const bool opened = openWorkspace(directory, workspace, error);
    m_directory = opened ? workspace.directory : directory;
    // Whatever happens next, the views show nothing of the previous engine (or trace).
    resetViews();
    if (!opened) {
        m_source->setPrefix(QString());
        setEngineError(error);
        return false;
    }
    QSettings().setValue(QStringLiteral("recent/directories"),
                         withRecent(recentDirectories(), workspace.directory));
    updateRecentMenu();
    const bool started = m_controller->start(workspace.prefix, error, startPaused);
    m_source->setPrefix(workspace.prefix);
    applyBreakToggles();
    setEngineError(started ? QString() : error);
    return started;
}

void MainWindow::resetViews()
{
    m_paused = false;
    m_atLine = false;
    m_lineText.clear();
    m_readyCount = 0;
    m_droppedEvents = 0;
    m_traceFile.clear();
    m_traceBar->hide();
    m_requests->clear();
    m_events->clear();
    m_errorLog->clear();
    m_timeline->clear();
    m_history->clear();
    updateHistoryStatus();
    const engine::debug::Snapshot empty;
    m_coroutines->setSnapshot(empty);
    m_ready->setSnapshot(empty);
    m_posted->setSnapshot(empty);
    m_cache->setSnapshot(empty);
    m_packages->setSnapshot(empty);
    m_inspector->clear();
}

void MainWindow::updateStatus()
{
    const bool running = m_engineError.isEmpty() && !m_controller->listenerUrl().isEmpty();
    m_continueAction->setEnabled(running && (m_paused || m_atLine));
    m_pauseAction->setEnabled(running && !m_paused && !m_atLine);
    m_stepAction->setEnabled(running && (m_atLine || (m_paused && m_readyCount > 0)));
    for (auto* action : {m_stepIntoAction, m_stepOverAction, m_stepOutAction}) {
        action->setEnabled(running && m_atLine);
    }
    m_reloadAction->setEnabled(running);
    m_listenAction->setEnabled(running);
    m_listenAction->setChecked(!running || m_controller->accepting());
    if (isOffline()) {
        m_stateLabel->setText(tr("<b style=\"color:#1565c0\">offline trace</b>"));
        m_urlLabel->setText(m_traceFile);
    } else if (!m_engineError.isEmpty()) {
        m_stateLabel->setText(tr("<b style=\"color:#c62828\">not serving</b>"));
        m_urlLabel->setText(m_engineError);
    } else {
        m_stateLabel->setText(
            m_atLine
                ? tr("<b style=\"color:#c62828\">STOPPED</b> at %1").arg(m_lineText.toHtmlEscaped())
            : m_paused ? tr("<b style=\"color:#c62828\">PAUSED</b> %n resume(s) held", nullptr,
                            static_cast<int>(m_readyCount))
                       : tr("<b style=\"color:#2e7d32\">running</b>"));
        m_urlLabel->setText(m_controller->accepting()
                                ? tr("listening on %1").arg(m_controller->listenerUrl())
                                : tr("listener stopped (%1)").arg(m_controller->listenerUrl()));
    }
    // The ring's drops: events the engine could not hand over because the UI was behind.
    m_dropLabel->setText(tr("ring drops: %1").arg(m_droppedEvents));
    m_dropLabel->setStyleSheet(m_droppedEvents > 0 ? QStringLiteral("color: #b26a00;") : QString());
    m_dropLabel->setToolTip(tr("probe events lost because the event ring was full"));
    const quint64 olderDropped = m_requests->droppedCount();
    m_requestsDropped->setText(tr("%1 older requests dropped").arg(olderDropped));
    m_requestsDropped->setVisible(olderDropped > 0);
}

void MainWindow::updateTitle()
{
    QString title =
        QStringLiteral("restyscope - ") + (isOffline() ? m_traceFile + tr(" (offline trace)")
                                           : m_directory.isEmpty() ? m_controller->prefix()
                                                                   : m_directory);
    if (m_atLine) {
        title += tr(" [stopped at %1]").arg(m_lineText);
    } else if (m_paused) {
        title += tr(" [paused]");
    }
    setWindowTitle(title);
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    QSettings settings;
    settings.setValue(QStringLiteral("mainwindow/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("mainwindow/state"), saveState());
    QMainWindow::closeEvent(event);
}

} // namespace restyscope::ui
