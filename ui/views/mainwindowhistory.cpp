// Design: the main window's history half, kept out of mainwindow.cpp: the Timeline dock
// over the request history, File > Open trace / Save trace, and the history's numbers in
// the status bar. Every event batch (live, or read from a file) goes to the history once;
// the Timeline rebuilds only when a request it shows moved on.

#include "engine/history/history.h"
#include "engine/history/waitchain.h"
#include "engine/trace/tracer.h"
#include "ui/bridge/debugcontroller.h"
#include "ui/bridge/tracefiles.h"
#include "ui/models/coroutinetreemodel.h"
#include "ui/models/requestsmodel.h"
#include "ui/models/timelinemodel.h"
#include "ui/views/mainwindow.h"
#include "ui/views/sourceview.h"
#include "ui/views/timelineview.h"

#include <QAction>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>
#include <QTreeView>

namespace restyscope::ui {

namespace {

constexpr int kTraceBatch = 4096; // events per batch when a file is replayed into the views
constexpr int kWaitScan = 512;    // the newest records looked at for running requests
constexpr int kWaitIntervalMs = 500;

// The coroutine's row in the Coroutines view (live requests only), or an invalid index.
QModelIndex coroutineRow(const QAbstractItemModel* model, quint64 requestId, quint32 coroutine,
                         const QModelIndex& parent = {})
{
    for (int r = 0; r < model->rowCount(parent); ++r) {
        const QModelIndex index = model->index(r, 0, parent);
        const auto& row = static_cast<const CoroutineTreeModel*>(model)->nodeRow(index);
        if (row.requestId == requestId && !row.isRequest && row.coroutine.id == coroutine) {
            return index;
        }
        const QModelIndex inner = coroutineRow(model, requestId, coroutine, index);
        if (inner.isValid()) {
            return inner;
        }
    }
    return {};
}

} // namespace

void MainWindow::createTraceActions(QMenu* fileMenu)
{
    auto* open = fileMenu->addAction(tr("Open &trace..."));
    open->setObjectName(QStringLiteral("actionOpenTrace"));
    open->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    open->setToolTip(tr("Open a trace file (restyscope --trace, JSON Lines) offline: the engine "
                        "stops and the views show the file"));
    connect(open, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open a trace"), QString(), tr("Traces (*.jsonl *.json *.trace);;All (*)"));
        if (!path.isEmpty()) {
            openTrace(path);
        }
    });
    auto* save = fileMenu->addAction(tr("&Save trace..."));
    save->setObjectName(QStringLiteral("actionSaveTrace"));
    save->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    save->setToolTip(tr("Write the events of the requests in the history as a trace file"));
    connect(save, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save the trace"),
                                                          QStringLiteral("restyscope-trace.jsonl"),
                                                          tr("Traces (*.jsonl)"));
        if (path.isEmpty()) {
            return;
        }
        QString error;
        if (saveTrace(path, error)) {
            statusBar()->showMessage(tr("Trace saved to %1").arg(path), 5000);
        } else {
            statusBar()->showMessage(tr("Could not save %1: %2").arg(path, error), 8000);
        }
    });
}

void MainWindow::createTraceBanner()
{
    m_traceBar = new QToolBar(tr("Trace"), this);
    m_traceBar->setObjectName(QStringLiteral("traceBar"));
    m_traceBar->setMovable(false);
    m_traceBar->setStyleSheet(QStringLiteral("QToolBar { background: #fff8e1; border: 0; }"));
    m_traceText = new QLabel;
    m_traceText->setObjectName(QStringLiteral("traceBanner"));
    m_traceText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_traceText->setWordWrap(true);
    m_traceText->setContentsMargins(6, 4, 6, 4);
    m_traceBar->addWidget(m_traceText);
    auto* dismiss = m_traceBar->addAction(tr("Dismiss"));
    connect(dismiss, &QAction::triggered, m_traceBar, &QWidget::hide);
    addToolBar(Qt::TopToolBarArea, m_traceBar);
    m_traceBar->hide();
}

QDockWidget* MainWindow::createTimelineDock()
{
    m_timelinePane = new TimelinePane(m_timeline);
    m_timelinePane->setObjectName(QStringLiteral("timelinePane"));
    auto* dock = new QDockWidget(tr("Timeline"), this);
    dock->setObjectName(QStringLiteral("timelineDock"));
    dock->setWidget(m_timelinePane);
    addDockWidget(Qt::BottomDockWidgetArea, dock);
    if (auto* viewMenu = menuBar()->findChild<QMenu*>(QStringLiteral("viewMenu"))) {
        viewMenu->addAction(dock->toggleViewAction());
    }
    m_waitTimer = new QTimer(this);
    m_waitTimer->setInterval(kWaitIntervalMs);
    connect(m_waitTimer, &QTimer::timeout, this, &MainWindow::updateWaitChains);
    auto* view = m_timelinePane->view();
    connect(view, &TimelineView::coroutineClicked, this,
            [this](quint64 requestId, quint32 coroutine) {
                if (coroutine == 0 && m_timeline->waterfall()) {
                    // A request of the waterfall: its coroutines, and its row in the views.
                    showInTimeline({requestId});
                    selectRequest(requestId);
                    return;
                }
                // Live coroutines are in the Coroutines view; finished ones only here.
                const QModelIndex row = coroutineRow(m_coroutines, requestId, coroutine);
                if (row.isValid() && m_coroutineView) {
                    m_coroutineView->setCurrentIndex(row);
                    m_coroutineView->scrollTo(row);
                }
            });
    connect(view, &TimelineView::sourceRequested, this, [this](const QString& file, int line) {
        QString path = file.startsWith(QLatin1Char('@')) ? file.mid(1) : file;
        if (m_source->showErrorLine(path, line)) {
            if (auto* sourceDock = findChild<QDockWidget*>(QStringLiteral("sourceDock"))) {
                sourceDock->show();
                sourceDock->raise();
            }
        }
    });
    return dock;
}

void MainWindow::showInTimeline(const QList<quint64>& requestIds)
{
    m_timeline->showRequests(requestIds);
    if (auto* dock = findChild<QDockWidget*>(QStringLiteral("timelineDock"))) {
        dock->show();
        dock->raise();
    }
}

void MainWindow::applyToHistory(const QVector<engine::trace::Event>& events)
{
    m_history->apply(events.constData(), static_cast<std::size_t>(events.size()));
    m_timeline->refresh();
    updateHistoryStatus();
    updateWaitChains();
}

void MainWindow::updateWaitChains()
{
    // Live: waits are measured to now; a trace: to its last event.
    const std::size_t size = m_history->size();
    std::int64_t now = isOffline() ? 0 : engine::trace::Tracer::nowNs();
    if (isOffline()) {
        for (std::size_t i = 0; i < size; ++i) {
            now = std::max(now, m_history->at(i).endNs);
        }
    }
    QHash<quint64, QString> chains;
    const std::size_t from = size > kWaitScan ? size - kWaitScan : 0;
    for (std::size_t i = from; i < size; ++i) {
        const auto& record = m_history->at(i);
        if (!record.done) {
            chains.insert(record.id,
                          QString::fromStdString(engine::history::waitChain(record, now)));
        }
    }
    m_requests->setWaitChains(chains);
    m_timelinePane->setWaitChain(m_timeline->shownRequests().size() == 1
                                     ? chains.value(m_timeline->shownRequests().front())
                                     : QString());
    // Only while something runs, and not for a file.
    if (chains.isEmpty() || isOffline()) {
        m_waitTimer->stop();
    } else if (!m_waitTimer->isActive()) {
        m_waitTimer->start();
    }
}

void MainWindow::updateHistoryStatus()
{
    if (!m_historyLabel) {
        return;
    }
    const auto evicted = m_history->evictedCount();
    m_historyLabel->setText(tr("history: %1 requests, %2 MB%3")
                                .arg(m_history->size())
                                .arg(static_cast<double>(m_history->bytes()) / (1 << 20), 0, 'f', 1)
                                .arg(evicted ? tr(", %1 evicted").arg(evicted) : QString()));
    m_historyLabel->setToolTip(
        tr("Finished requests stay inspectable in the Timeline. The history keeps at most %1 "
           "requests and %2 MB; the oldest go first.")
            .arg(m_history->limits().maxRequests)
            .arg(m_history->limits().maxBytes >> 20));
}

bool MainWindow::openTrace(const QString& path)
{
    const TraceReadResult read = readTraceFile(path);
    if (!read.opened || (read.events.isEmpty() && read.badLines > 0)) {
        m_traceText->setText(
            QStringLiteral("<b>%1</b> %2")
                .arg(tr("Cannot open the trace:"),
                     (read.opened ? read.message() : read.firstError).toHtmlEscaped()));
        m_traceBar->show();
        return false;
    }
    // Offline: no engine serves while a file is shown.
    m_controller->stop();
    resetViews();
    m_traceFile = QFileInfo(path).absoluteFilePath();
    setEngineError(QString());
    for (qsizetype i = 0; i < read.events.size(); i += kTraceBatch) {
        onEvents(read.events.mid(i, kTraceBatch));
    }
    const QString message = read.message();
    if (!message.isEmpty()) {
        m_traceText->setText(
            QStringLiteral("<b>%1</b> %2")
                .arg(tr("Part of the trace could not be read."), message.toHtmlEscaped()));
        m_traceBar->show();
    }
    // The last request is the one to look at first.
    if (m_history->size() > 0) {
        showInTimeline({m_history->at(m_history->size() - 1).id});
    }
    statusBar()->showMessage(tr("Opened %1: %2 events, %3 requests")
                                 .arg(path)
                                 .arg(read.events.size())
                                 .arg(m_history->size()),
                             8000);
    updateStatus();
    updateTitle();
    return true;
}

bool MainWindow::saveTrace(const QString& path, QString& error)
{
    return writeTraceFile(path, m_history->events(), error);
}

} // namespace restyscope::ui
