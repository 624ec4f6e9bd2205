#include "ui/views/mainwindow.h"

#include "ui/bridge/debugcontroller.h"
#include "ui/models/codecachemodel.h"
#include "ui/models/coroutinetreemodel.h"
#include "ui/models/eventlogmodel.h"
#include "ui/models/postedqueuemodel.h"
#include "ui/models/readylistmodel.h"
#include "ui/models/requestsmodel.h"
#include "ui/models/yieldcolors.h"
#include "ui/views/inspectorview.h"
#include "ui/views/sourceview.h"

#include <QAction>
#include <QActionGroup>
#include <QCloseEvent>
#include <QDockWidget>
#include <QHeaderView>
#include <QIcon>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QPixmap>
#include <QScreen>
#include <QScrollBar>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

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
      m_events(new EventLogModel(this))
{
    m_requests->setObjectName(QStringLiteral("requestsModel"));
    m_coroutines->setObjectName(QStringLiteral("coroutineTreeModel"));
    m_ready->setObjectName(QStringLiteral("readyListModel"));
    m_posted->setObjectName(QStringLiteral("postedQueueModel"));
    m_cache->setObjectName(QStringLiteral("codeCacheModel"));
    m_events->setObjectName(QStringLiteral("eventLogModel"));

    createActions();
    createDocks();

    m_urlLabel = new QLabel;
    m_urlLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_stateLabel = new QLabel;
    m_dropLabel = new QLabel;
    statusBar()->addWidget(m_stateLabel);
    statusBar()->addWidget(m_urlLabel, 1);
    statusBar()->addPermanentWidget(m_dropLabel);

    connect(controller, &DebugController::eventsArrived, this, &MainWindow::onEvents);
    connect(controller, &DebugController::snapshotArrived, this, &MainWindow::onSnapshot);
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
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("mainwindow/geometry")).toByteArray());
    if (!restoreState(settings.value(QStringLiteral("mainwindow/state")).toByteArray())) {
        defaultLayout();
    }
    updateStatus();
    updateTitle();
}

MainWindow::~MainWindow() = default;

void MainWindow::createActions()
{
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
    m_stepAction->setToolTip(tr("Step resume (F10): let the next held resume run. "
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
            m_controller->step(0);
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
        widget->setWidget(content);
        addDockWidget(area, widget);
        viewMenu->addAction(widget->toggleViewAction());
        return widget;
    };

    auto* requestView = makeView(m_requests, QStringLiteral("requestsView"), false, true);
    setColumnWidths(requestView, {4, 15, 4, 7, 6});
    auto* requestsDock =
        dock(QStringLiteral("requestsDock"), tr("Requests"), requestView, Qt::LeftDockWidgetArea);

    m_coroutineView = makeView(m_coroutines, QStringLiteral("coroutinesView"), true, false);
    setColumnWidths(m_coroutineView, {18, 7, 13, 12});
    auto* legend = new QLabel(legendHtml());
    legend->setObjectName(QStringLiteral("yieldLegend"));
    legend->setWordWrap(true);
    legend->setToolTip(tr("One colour per yield reason, in every view"));
    auto* coroutinePane = new QWidget;
    auto* coroutineLayout = new QVBoxLayout(coroutinePane);
    coroutineLayout->setContentsMargins(0, 0, 0, 0);
    coroutineLayout->addWidget(m_coroutineView, 1);
    coroutineLayout->addWidget(legend);
    auto* coroutinesDock = dock(QStringLiteral("coroutinesDock"), tr("Coroutines"), coroutinePane,
                                Qt::RightDockWidgetArea);

    auto* readyView = makeView(m_ready, QStringLiteral("readyView"), false, false);
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

    auto* cacheView = makeView(m_cache, QStringLiteral("codeCacheView"), false, true);
    setColumnWidths(cacheView, {9, 30, 22, 30, 7, 5});
    auto* cacheDock = dock(QStringLiteral("codeCacheDock"), tr("Code cache"), cacheView,
                           Qt::BottomDockWidgetArea);

    m_eventView = makeView(m_events, QStringLiteral("eventsView"), false, false);
    setColumnWidths(m_eventView, {6, 9, 6, 7, 12, 12, 6});
    auto* eventsDock =
        dock(QStringLiteral("eventsDock"), tr("Events"), m_eventView, Qt::BottomDockWidgetArea);

    // Requests on the left; coroutines over the queues on the right; cache and events below.
    splitDockWidget(requestsDock, coroutinesDock, Qt::Horizontal);
    splitDockWidget(coroutinesDock, queuesDock, Qt::Vertical);
    tabifyDockWidget(eventsDock, cacheDock);
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

void MainWindow::defaultLayout()
{
    // Pixel sizes from the window's: the coroutine tree gets the most room, the log a third.
    auto* requestsDock = findChild<QDockWidget*>(QStringLiteral("requestsDock"));
    auto* coroutinesDock = findChild<QDockWidget*>(QStringLiteral("coroutinesDock"));
    auto* queuesDock = findChild<QDockWidget*>(QStringLiteral("queuesDock"));
    auto* eventsDock = findChild<QDockWidget*>(QStringLiteral("eventsDock"));
    const int w = width();
    const int h = height();
    resizeDocks({requestsDock, coroutinesDock}, {w / 3, w * 2 / 3}, Qt::Horizontal);
    resizeDocks({eventsDock}, {h / 4}, Qt::Vertical);
    resizeDocks({coroutinesDock, queuesDock}, {h * 2 / 5, h * 3 / 10}, Qt::Vertical);
}

void MainWindow::onEvents(const QVector<engine::trace::Event>& events)
{
    // Follow the log only when the user is at its end.
    auto* bar = m_eventView->verticalScrollBar();
    const bool atEnd = bar->value() == bar->maximum();
    m_requests->applyEvents(events);
    m_events->applyEvents(events);
    if (atEnd) {
        m_eventView->scrollToBottom();
    }
}

void MainWindow::onSnapshot(const engine::debug::Snapshot& snapshot)
{
    m_paused = snapshot.paused;
    m_readyCount = snapshot.ready.size();
    m_requests->applySnapshot(snapshot);
    m_coroutines->setSnapshot(snapshot);
    m_coroutineView->expandAll();
    m_ready->setSnapshot(snapshot);
    m_posted->setSnapshot(snapshot);
    m_cache->setSnapshot(snapshot);
    updateStatus();
    updateTitle();
}

void MainWindow::setEngineError(const QString& error)
{
    m_engineError = error;
    updateStatus();
    updateTitle();
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
    if (!m_engineError.isEmpty()) {
        m_stateLabel->setText(tr("<b style=\"color:#c62828\">not serving</b>"));
        m_urlLabel->setText(m_engineError);
    } else {
        m_stateLabel->setText(
            m_atLine
                ? tr("<b style=\"color:#c62828\">STOPPED</b> at %1").arg(m_lineText.toHtmlEscaped())
            : m_paused ? tr("<b style=\"color:#c62828\">PAUSED</b> %n resume(s) held", nullptr,
                            static_cast<int>(m_readyCount))
                       : tr("<b style=\"color:#2e7d32\">running</b>"));
        m_urlLabel->setText(tr("listening on %1").arg(m_controller->listenerUrl()));
    }
    QString drops = tr("events dropped: %1").arg(m_droppedEvents);
    if (m_requests->droppedCount() > 0) {
        drops += tr(" | %1 older requests dropped").arg(m_requests->droppedCount());
    }
    m_dropLabel->setText(drops);
}

void MainWindow::updateTitle()
{
    QString title = QStringLiteral("restyscope - ") + m_controller->prefix();
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
