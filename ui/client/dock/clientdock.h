#pragma once
// Design: the built-in HTTP client's dock. The editor (method, URL with path completion,
// query / headers / body tabs) builds a ClientRequest; Send hands it to a RequestSender that
// talks to the real listener with QNetworkAccessManager, so the window never waits on the
// engine: while the engine is paused the request shows as pending with the time it waited.
// The response pane links to the runtime's request; History and Saved keep requests in a
// ClientStore; Burst runs N copies with C in flight.

#include "ui/client/burstrunner.h"
#include "ui/client/clientrequest.h"

#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QStringListModel;
class QTabWidget;
class QTreeView;

namespace restyscope::ui {
class DebugController;
}

namespace restyscope::ui::client {

class ClientStore;
class CollectionsModel;
class HistoryModel;
class KeyValueTable;
class RequestSender;
class ResponseView;
struct ClientResponse;

class ClientDock : public QWidget
{
    Q_OBJECT
public:
    // store: null makes one on ClientStore::defaultPath().
    explicit ClientDock(DebugController* controller, ClientStore* store = nullptr,
                        QWidget* parent = nullptr);
    ~ClientDock() override;

    ClientRequest request() const; // what the editor holds
    void setRequest(const ClientRequest& request);
    // False (and the reason in the status line) when the request cannot go.
    bool send();
    void cancel();
    bool runBurst(int count, int concurrency);
    // Saves the editor's request in a collection (made when missing).
    void saveCurrent(const QString& collection, const QString& name);
    QString curlCommand() const;
    bool pasteCurl(const QString& command, QString& error);
    // The listener the paths resolve against ("http://127.0.0.1:8080/").
    QUrl baseUrl() const;

    RequestSender* sender() const { return m_sender; }
    BurstRunner* burstRunner() const { return m_burst; }
    ClientStore* store() const { return m_store; }
    ResponseView* responseView() const { return m_response; }
    QString burstSummaryText() const;
    QStringList completions() const;

Q_SIGNALS:
    void showInRuntime(quint64 requestId);

private:
    QWidget* createEditor();
    QWidget* createBodyTab();
    QWidget* createBurstTab();
    QWidget* createHistoryTab();
    QWidget* createSavedTab();
    void onFinished(const ClientResponse& response);
    void updatePending();
    void updateBurst();
    void updateCompletions();
    void followListener();
    void validateBody();
    void urlEdited();
    void paramsEdited();
    void setMessage(const QString& text, bool error = false);
    void showHistoryMenu(const QPoint& pos);
    void showSavedMenu(const QPoint& pos);
    void askToSave();

    DebugController* m_controller;
    ClientStore* m_store;
    RequestSender* m_sender;
    BurstRunner* m_burst;
    HistoryModel* m_historyModel;
    CollectionsModel* m_collectionsModel;

    QComboBox* m_method = nullptr;
    QLineEdit* m_url = nullptr;
    QPushButton* m_sendButton = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QTabWidget* m_requestTabs = nullptr;
    KeyValueTable* m_query = nullptr;
    KeyValueTable* m_headers = nullptr;
    QComboBox* m_bodyKind = nullptr;
    QPlainTextEdit* m_bodyText = nullptr;
    KeyValueTable* m_form = nullptr;
    QLabel* m_bodyStatus = nullptr;
    QSpinBox* m_burstCount = nullptr;
    QSpinBox* m_burstConcurrency = nullptr;
    QPushButton* m_burstRun = nullptr;
    QPushButton* m_burstCancel = nullptr;
    QProgressBar* m_burstProgress = nullptr;
    QLabel* m_burstSummary = nullptr;
    QTreeView* m_historyView = nullptr;
    QTreeView* m_savedView = nullptr;
    QLabel* m_message = nullptr;
    ResponseView* m_response = nullptr;
    QStringListModel* m_completionModel = nullptr;

    QTimer m_pendingTimer;
    QElapsedTimer m_sentClock;
    ClientRequest m_sentRequest;
    bool m_headSeen = false;
    bool m_syncingUrl = false; // the URL field and the Params table are being made to agree
    bool m_enginePaused = false;
    bool m_engineAtLine = false;
    int m_heldResumes = 0;
    QString m_listener;      // the listener URL the URL field was written against
    QString m_completionKey; // the prefix and listener the completions were made from
    QElapsedTimer m_completionClock;
};

} // namespace restyscope::ui::client
