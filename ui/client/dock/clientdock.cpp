#include "ui/client/dock/clientdock.h"

#include "ui/bridge/debugcontroller.h"
#include "ui/client/clientmodels.h"
#include "ui/client/clientstore.h"
#include "ui/client/curlcommand.h"
#include "ui/client/dock/keyvaluetable.h"
#include "ui/client/dock/responseview.h"
#include "ui/client/pathcandidates.h"
#include "ui/client/requestsender.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QCompleter>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QShortcut>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QStringListModel>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace restyscope::ui::client {

ClientDock::ClientDock(DebugController* controller, ClientStore* store, QWidget* parent)
    : QWidget(parent), m_controller(controller), m_store(store ? store : new ClientStore({}, this)),
      m_sender(new RequestSender(this)), m_burst(new BurstRunner(this)),
      m_historyModel(new HistoryModel(m_store, this)),
      m_collectionsModel(new CollectionsModel(m_store, this)),
      m_completionModel(new QStringListModel(this))
{
    setObjectName(QStringLiteral("clientDockWidget"));
    m_historyModel->setObjectName(QStringLiteral("clientHistoryModel"));
    m_collectionsModel->setObjectName(QStringLiteral("clientCollectionsModel"));
    m_response = new ResponseView;
    m_response->setObjectName(QStringLiteral("clientResponse"));
    connect(m_response, &ResponseView::showInRuntime, this, &ClientDock::showInRuntime);

    auto* splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(createEditor());
    splitter->addWidget(m_response);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setChildrenCollapsible(false);

    m_message = new QLabel;
    m_message->setObjectName(QStringLiteral("clientMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->hide();

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_message);

    for (const auto& key :
         {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)}) {
        auto* shortcut = new QShortcut(key, this);
        shortcut->setContext(Qt::WindowShortcut); // Send from anywhere in the window
        connect(shortcut, &QShortcut::activated, this, &ClientDock::send);
    }

    connect(m_sender, &RequestSender::headReceived, this, [this](const ClientResponse& response) {
        m_headSeen = true;
        m_response->showHead(response);
    });
    connect(m_sender, &RequestSender::bodyProgress, m_response, &ResponseView::showPartialBody);
    connect(m_sender, &RequestSender::finished, this, &ClientDock::onFinished);
    connect(m_burst, &BurstRunner::progress, this, &ClientDock::updateBurst);
    connect(m_burst, &BurstRunner::finished, this, &ClientDock::updateBurst);
    m_pendingTimer.setInterval(100);
    connect(&m_pendingTimer, &QTimer::timeout, this, [this] {
        updatePending();
        updateBurst();
    });

    if (m_controller) {
        connect(m_controller, &DebugController::snapshotArrived, this,
                [this](const engine::debug::Snapshot& snapshot) {
                    m_enginePaused = snapshot.paused;
                    m_heldResumes = static_cast<int>(snapshot.ready.size());
                    followListener();
                });
        connect(m_controller, &DebugController::lineStopped, this,
                [this] { m_engineAtLine = true; });
        connect(m_controller, &DebugController::lineResumed, this,
                [this] { m_engineAtLine = false; });
    }
    if (!m_store->loadError().isEmpty()) {
        setMessage(m_store->loadError(), true);
    }
    // The client opens on the last request sent, or on the listener's /api/hello.
    if (!m_store->history().isEmpty()) {
        setRequest(m_store->history().front().request);
    } else {
        m_url->setText(baseUrl().toString() + QStringLiteral("api/hello"));
    }
    followListener();
    updateBurst();
}

ClientDock::~ClientDock() = default;

QWidget* ClientDock::createEditor()
{
    m_method = new QComboBox;
    m_method->setObjectName(QStringLiteral("clientMethod"));
    m_method->setEditable(true);
    m_method->addItems({QStringLiteral("GET"), QStringLiteral("POST"), QStringLiteral("PUT"),
                        QStringLiteral("PATCH"), QStringLiteral("DELETE"), QStringLiteral("HEAD"),
                        QStringLiteral("OPTIONS")});
    m_method->setMinimumContentsLength(7);
    m_url = new QLineEdit;
    m_url->setObjectName(QStringLiteral("clientUrl"));
    m_url->setPlaceholderText(tr("/api/hello or http://127.0.0.1:8080/api/hello"));
    m_url->setClearButtonEnabled(true);
    auto* completer = new QCompleter(m_completionModel, this);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    completer->setFilterMode(Qt::MatchContains);
    m_url->setCompleter(completer);
    connect(m_url, &QLineEdit::returnPressed, this, &ClientDock::send);

    m_sendButton = new QPushButton(tr("Send"));
    m_sendButton->setObjectName(QStringLiteral("clientSend"));
    m_sendButton->setToolTip(tr("Send (Ctrl+Enter)"));
    m_sendButton->setDefault(true);
    m_sendButton->setStyleSheet(QStringLiteral(
        "QPushButton{background:#1565c0;color:white;font-weight:bold;padding:3px 14px;"
        "border-radius:3px}QPushButton:disabled{background:#90a4ae}"));
    connect(m_sendButton, &QPushButton::clicked, this, &ClientDock::send);
    m_cancelButton = new QPushButton(tr("Cancel"));
    m_cancelButton->setObjectName(QStringLiteral("clientCancel"));
    m_cancelButton->setEnabled(false);
    connect(m_cancelButton, &QPushButton::clicked, this, &ClientDock::cancel);

    auto* more = new QToolButton;
    more->setObjectName(QStringLiteral("clientMore"));
    more->setText(tr("\u22ee"));
    more->setToolTip(tr("Save, copy as curl, paste a curl command"));
    more->setPopupMode(QToolButton::InstantPopup);
    auto* menu = new QMenu(more);
    menu->addAction(tr("Save to collection\u2026"), this, &ClientDock::askToSave);
    menu->addAction(tr("Copy as curl"), this, [this] {
        QApplication::clipboard()->setText(curlCommand());
        setMessage(tr("copied: %1").arg(curlCommand()));
    });
    menu->addAction(tr("Paste curl command"), this, [this] {
        QString error;
        if (!pasteCurl(QApplication::clipboard()->text(), error)) {
            setMessage(error, true);
        }
    });
    more->setMenu(menu);

    auto* line = new QHBoxLayout;
    line->setContentsMargins(0, 0, 0, 0);
    line->setSpacing(4);
    line->addWidget(m_method);
    line->addWidget(m_url, 1);
    line->addWidget(m_sendButton);
    line->addWidget(m_cancelButton);
    line->addWidget(more);

    m_query = new KeyValueTable(tr("parameter name"));
    m_query->setObjectName(QStringLiteral("clientQuery"));
    m_headers = new KeyValueTable(tr("header name"));
    m_headers->setObjectName(QStringLiteral("clientHeaders"));
    // The URL field and the Params table are one state, edited from either side.
    connect(m_url, &QLineEdit::textChanged, this, &ClientDock::urlEdited);
    connect(m_query, &KeyValueTable::rowsEdited, this, &ClientDock::paramsEdited);

    m_requestTabs = new QTabWidget;
    m_requestTabs->setObjectName(QStringLiteral("clientRequestTabs"));
    m_requestTabs->setDocumentMode(true);
    m_requestTabs->addTab(m_query, tr("Params"));
    m_requestTabs->addTab(m_headers, tr("Headers"));
    m_requestTabs->addTab(createBodyTab(), tr("Body"));
    m_requestTabs->addTab(createHistoryTab(), tr("History"));
    m_requestTabs->addTab(createSavedTab(), tr("Saved"));
    m_requestTabs->addTab(createBurstTab(), tr("Burst"));

    auto* editor = new QWidget;
    auto* layout = new QVBoxLayout(editor);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    layout->addLayout(line);
    layout->addWidget(m_requestTabs, 1);
    return editor;
}

QWidget* ClientDock::createBodyTab()
{
    m_bodyKind = new QComboBox;
    m_bodyKind->setObjectName(QStringLiteral("clientBodyKind"));
    m_bodyKind->addItem(tr("No body"), static_cast<int>(BodyKind::None));
    m_bodyKind->addItem(tr("Raw"), static_cast<int>(BodyKind::Raw));
    m_bodyKind->addItem(tr("JSON"), static_cast<int>(BodyKind::Json));
    m_bodyKind->addItem(tr("Form (urlencoded)"), static_cast<int>(BodyKind::Form));
    m_bodyText = new QPlainTextEdit;
    m_bodyText->setObjectName(QStringLiteral("clientBodyText"));
    m_bodyText->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_bodyText->setPlaceholderText(tr("{\"name\": \"value\"}"));
    m_form = new KeyValueTable(tr("field name"));
    m_form->setObjectName(QStringLiteral("clientForm"));
    m_bodyStatus = new QLabel;
    m_bodyStatus->setObjectName(QStringLiteral("clientBodyStatus"));
    auto* format = new QPushButton(tr("Format JSON"));
    connect(format, &QPushButton::clicked, this, [this] {
        const auto json = QJsonDocument::fromJson(m_bodyText->toPlainText().toUtf8());
        if (!json.isNull()) {
            m_bodyText->setPlainText(QString::fromUtf8(json.toJson(QJsonDocument::Indented)));
        }
    });
    auto* stack = new QStackedWidget;
    stack->addWidget(m_bodyText);
    stack->addWidget(m_form);
    auto update = [this, stack, format] {
        const auto kind = static_cast<BodyKind>(m_bodyKind->currentData().toInt());
        stack->setCurrentWidget(kind == BodyKind::Form ? static_cast<QWidget*>(m_form)
                                                       : m_bodyText);
        stack->setEnabled(kind != BodyKind::None);
        format->setVisible(kind == BodyKind::Json);
        validateBody();
    };
    connect(m_bodyKind, &QComboBox::currentIndexChanged, this, update);
    connect(m_bodyText, &QPlainTextEdit::textChanged, this, &ClientDock::validateBody);

    auto* top = new QHBoxLayout;
    top->setContentsMargins(0, 0, 0, 0);
    top->addWidget(m_bodyKind);
    top->addWidget(m_bodyStatus, 1);
    top->addWidget(format);
    auto* pane = new QWidget;
    auto* layout = new QVBoxLayout(pane);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->setSpacing(2);
    layout->addLayout(top);
    layout->addWidget(stack, 1);
    update();
    return pane;
}

QWidget* ClientDock::createBurstTab()
{
    m_burstCount = new QSpinBox;
    m_burstCount->setObjectName(QStringLiteral("burstCount"));
    m_burstCount->setRange(1, BurstRunner::kMaxRequests);
    m_burstCount->setValue(200);
    m_burstConcurrency = new QSpinBox;
    m_burstConcurrency->setObjectName(QStringLiteral("burstConcurrency"));
    m_burstConcurrency->setRange(1, BurstRunner::kMaxConcurrency);
    m_burstConcurrency->setValue(20);
    m_burstRun = new QPushButton(tr("Run burst"));
    m_burstRun->setObjectName(QStringLiteral("burstRun"));
    connect(m_burstRun, &QPushButton::clicked, this,
            [this] { runBurst(m_burstCount->value(), m_burstConcurrency->value()); });
    m_burstCancel = new QPushButton(tr("Cancel"));
    connect(m_burstCancel, &QPushButton::clicked, m_burst, &BurstRunner::cancel);
    m_burstProgress = new QProgressBar;
    m_burstSummary = new QLabel;
    m_burstSummary->setObjectName(QStringLiteral("burstSummary"));
    m_burstSummary->setWordWrap(true);
    m_burstSummary->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* numbers = new QHBoxLayout;
    numbers->addWidget(new QLabel(tr("Requests")));
    numbers->addWidget(m_burstCount);
    numbers->addSpacing(12);
    numbers->addWidget(new QLabel(tr("in flight at once")));
    numbers->addWidget(m_burstConcurrency);
    numbers->addStretch(1);
    numbers->addWidget(m_burstRun);
    numbers->addWidget(m_burstCancel);
    auto* pane = new QWidget;
    auto* layout = new QVBoxLayout(pane);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(numbers);
    layout->addWidget(m_burstProgress);
    layout->addWidget(m_burstSummary, 1, Qt::AlignTop);
    return pane;
}

ClientRequest ClientDock::request() const
{
    ClientRequest request;
    request.method = m_method->currentText().trimmed().toUpper();
    setUrlWithQuery(request, m_url->text());
    // The table holds what the URL field shows, plus the unticked rows it cannot show.
    request.query = m_query->rows();
    request.headers = m_headers->rows();
    request.bodyKind = static_cast<BodyKind>(m_bodyKind->currentData().toInt());
    if (request.bodyKind == BodyKind::Form) {
        request.form = m_form->rows();
    } else if (request.bodyKind != BodyKind::None) {
        request.body = m_bodyText->toPlainText();
    }
    return request;
}

void ClientDock::setRequest(const ClientRequest& request)
{
    m_method->setCurrentText(request.method);
    // A url may still carry a query (an old history entry): it joins the rows.
    ClientRequest split;
    setUrlWithQuery(split, request.url);
    split.query = request.query + split.query;
    m_syncingUrl = true;
    m_query->setRows(split.query);
    m_url->setText(urlWithQuery(split));
    m_syncingUrl = false;
    m_headers->setRows(request.headers);
    m_bodyKind->setCurrentIndex(m_bodyKind->findData(static_cast<int>(request.bodyKind)));
    m_bodyText->setPlainText(request.body);
    m_form->setRows(request.form);
}

QUrl ClientDock::baseUrl() const
{
    const QString listener = m_controller ? m_controller->listenerUrl() : QString();
    return QUrl(listener.isEmpty() ? QStringLiteral("http://127.0.0.1:8080/") : listener);
}

bool ClientDock::send()
{
    followListener();
    const ClientRequest current = request();
    QString error;
    if (!m_sender->send(current, baseUrl(), error)) {
        setMessage(error, true);
        return false;
    }
    setMessage({});
    m_sentRequest = current;
    m_headSeen = false;
    m_sentClock.start();
    m_response->clear();
    m_cancelButton->setEnabled(true);
    m_pendingTimer.start();
    updatePending();
    return true;
}

void ClientDock::cancel()
{
    m_sender->cancel();
}

void ClientDock::onFinished(const ClientResponse& response)
{
    m_cancelButton->setEnabled(false);
    if (!m_burst->running()) {
        m_pendingTimer.stop();
    }
    m_response->showResponse(response);
    HistoryEntry entry;
    entry.request = m_sentRequest;
    entry.sentAt = QDateTime::currentDateTimeUtc();
    entry.status = response.status;
    entry.ms = double(response.totalNs) / 1e6;
    entry.runtimeRequestId = response.runtimeRequestId;
    m_store->addHistory(entry);
    if (!m_store->saveError().isEmpty()) {
        setMessage(m_store->saveError(), true);
    }
}

void ClientDock::updatePending()
{
    if (!m_sender->busy() || m_headSeen) {
        return;
    }
    QString text = tr("<b>pending</b> %1 s").arg(double(m_sentClock.elapsed()) / 1000.0, 0, 'f', 1);
    if (m_engineAtLine) {
        text += tr(" &nbsp;<span style=\"color:#c62828\">the engine is stopped at a line: "
                   "Continue (F5) or step to let it answer</span>");
    } else if (m_enginePaused) {
        text += tr(" &nbsp;<span style=\"color:#c62828\">the engine is paused (%n resume(s) "
                   "held): Continue (F5) or Step (F10)</span>",
                   nullptr, m_heldResumes);
    }
    m_response->showPending(text);
}

bool ClientDock::runBurst(int count, int concurrency)
{
    followListener();
    QString error;
    if (!m_burst->start(request(), baseUrl(), count, concurrency, error)) {
        setMessage(error, true);
        return false;
    }
    setMessage({});
    m_pendingTimer.start();
    updateBurst();
    return true;
}

QString ClientDock::burstSummaryText() const
{
    return m_burstSummary->text();
}

void ClientDock::updateBurst()
{
    const bool running = m_burst->running();
    m_burstRun->setEnabled(!running);
    m_burstCancel->setEnabled(running);
    m_burstProgress->setRange(0, std::max(1, m_burst->total()));
    m_burstProgress->setValue(m_burst->done());
    if (m_burst->total() == 0) {
        m_burstSummary->setText(tr("Sends the request above N times with C in flight at once, "
                                   "to watch the scheduler interleave them."));
        return;
    }
    QString text = m_burst->summary().text();
    if (running) {
        text = tr("%1 in flight. ").arg(m_burst->inFlight()) + text;
        if (m_enginePaused || m_engineAtLine) {
            text += tr(" \u2014 the engine is paused: they wait for Continue (F5)");
        }
    } else if (!m_sender->busy()) {
        m_pendingTimer.stop();
    }
    m_burstSummary->setText(text);
}

QString ClientDock::curlCommand() const
{
    return toCurl(request(), baseUrl());
}

bool ClientDock::pasteCurl(const QString& command, QString& error)
{
    const auto parsed = fromCurl(command, error);
    if (!parsed) {
        return false;
    }
    setRequest(*parsed);
    setMessage(tr("curl command pasted"));
    return true;
}

void ClientDock::validateBody()
{
    const auto kind = static_cast<BodyKind>(m_bodyKind->currentData().toInt());
    if (kind != BodyKind::Json) {
        m_bodyStatus->setText(
            kind == BodyKind::Form ? tr("sent as application/x-www-form-urlencoded") : QString());
        return;
    }
    ClientRequest probe;
    probe.bodyKind = BodyKind::Json;
    probe.body = m_bodyText->toPlainText();
    const QString error = probe.bodyError();
    m_bodyStatus->setText(
        error.isEmpty()
            ? tr("<span style=\"color:#2e7d32\">\u2713 valid JSON</span>")
            : QStringLiteral("<span style=\"color:#c62828\">%1</span>").arg(error.toHtmlEscaped()));
}

void ClientDock::urlEdited()
{
    if (m_syncingUrl) {
        return;
    }
    ClientRequest typed;
    setUrlWithQuery(typed, m_url->text());
    m_syncingUrl = true;
    m_query->setRows(mergeQueryRows(m_query->rows(), typed.query));
    m_syncingUrl = false;
}

void ClientDock::paramsEdited()
{
    if (m_syncingUrl) {
        return;
    }
    ClientRequest edited;
    setUrlWithQuery(edited, m_url->text());
    edited.query = m_query->rows();
    m_syncingUrl = true;
    const int cursor = m_url->cursorPosition();
    m_url->setText(urlWithQuery(edited));
    m_url->setCursorPosition(std::min(cursor, int(m_url->text().size())));
    m_syncingUrl = false;
}

void ClientDock::followListener()
{
    // The engine may come back on another port (a reopened prefix): URLs written against the
    // old listener follow it.
    const QString listener = baseUrl().toString();
    if (!m_listener.isEmpty() && listener != m_listener && m_url->text().startsWith(m_listener)) {
        m_url->setText(listener + m_url->text().mid(m_listener.size()));
    }
    m_listener = listener;
    updateCompletions();
}

void ClientDock::updateCompletions()
{
    // Read again when the prefix or listener changed, or every few seconds (new Lua files);
    // snapshots call this ten times a second.
    const QString prefix = m_controller ? m_controller->prefix() : QString();
    const QString key = prefix + QLatin1Char('\n') + baseUrl().toString();
    if (key == m_completionKey && m_completionClock.isValid() &&
        m_completionClock.elapsed() < 5000) {
        return;
    }
    m_completionKey = key;
    m_completionClock.start();
    const QStringList paths = pathCandidates(prefix);
    QStringList all;
    const QString base = baseUrl().toString();
    for (const auto& path : paths) {
        all << base + path.mid(1);
    }
    all << paths;
    m_completionModel->setStringList(all);
}

QStringList ClientDock::completions() const
{
    return m_completionModel->stringList();
}

void ClientDock::setMessage(const QString& text, bool error)
{
    m_message->setVisible(!text.isEmpty());
    m_message->setStyleSheet(error ? QStringLiteral("color:#c62828") : QString());
    m_message->setText(text);
}

} // namespace restyscope::ui::client
