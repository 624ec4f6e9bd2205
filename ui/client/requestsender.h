#pragma once
// Design: one request at a time over QNetworkAccessManager against the real listener (never
// a shortcut into the engine). It asks for the runtime's request id (X-Restyscope-Trace: 1)
// and reports the response in two steps: the head as soon as it arrives (a handler that
// flushes early can still be running) and the whole response at the end, with the time
// from send to the last byte and the body size.

#include "ui/client/clientrequest.h"

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>

class QNetworkAccessManager;
#include <QNetworkReply>

namespace restyscope::ui::client {

// The request header that asks the engine for its request id, and the response header that
// carries it.
inline constexpr char kTraceRequestHeader[] = "X-Restyscope-Trace";
inline constexpr char kTraceResponseHeader[] = "X-Restyscope-Request";

struct ClientResponse
{
    int status = 0; // 0: no HTTP response (see error)
    QString reason;
    QList<QPair<QByteArray, QByteArray>> headers; // as received, in order
    QByteArray body;
    quint64 runtimeRequestId = 0; // from X-Restyscope-Request; 0 when absent
    qint64 headNs = 0;            // send -> head received
    qint64 totalNs = 0;           // send -> last byte (or error)
    bool complete = false;        // finished (with or without an error)
    bool cancelled = false;
    QString error; // network error text; empty on success (an HTTP 500 is a success here)
    QUrl url;
};

class RequestSender : public QObject
{
    Q_OBJECT
public:
    explicit RequestSender(QObject* parent = nullptr);
    ~RequestSender() override;

    // Starts request (a path resolves against base); a running one is cancelled first.
    // False with error when the request cannot be sent (bad URL, invalid JSON body).
    bool send(const ClientRequest& request, const QUrl& base, QString& error);
    void cancel();
    bool busy() const { return m_reply != nullptr; }
    qint64 elapsedNs() const { return m_timer.isValid() ? m_timer.nsecsElapsed() : 0; }
    const ClientResponse& response() const { return m_response; }

Q_SIGNALS:
    void headReceived(const restyscope::ui::client::ClientResponse& response);
    void progress(qint64 bytesReceived);
    // The body so far, while it streams in (a handler that flushed and still runs).
    void bodyProgress(const QByteArray& bodySoFar);
    void finished(const restyscope::ui::client::ClientResponse& response);

private:
    void onHead();
    void onFinished();

    QNetworkAccessManager* m_manager;
    QPointer<QNetworkReply> m_reply;
    QElapsedTimer m_timer;
    ClientResponse m_response;
    bool m_headSeen = false;
};

// Builds the QNetworkRequest side of a ClientRequest (shared with the burst runner).
QNetworkReply* startReply(QNetworkAccessManager& manager, const ClientRequest& request,
                          const QUrl& url, bool askForTrace);

} // namespace restyscope::ui::client

Q_DECLARE_METATYPE(restyscope::ui::client::ClientResponse)
