#include "ui/client/requestsender.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace restyscope::ui::client {

namespace {
constexpr qint64 kMaxPeekBytes = 256 * 1024; // what a streaming view shows before the end
}

QNetworkReply* startReply(QNetworkAccessManager& manager, const ClientRequest& request,
                          const QUrl& url, bool askForTrace)
{
    QNetworkRequest wire(url);
    // What the user typed goes out as typed: no redirects followed, no cookies, no cache.
    wire.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                      QNetworkRequest::ManualRedirectPolicy);
    wire.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    wire.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    wire.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    for (const auto& header : request.effectiveHeaders()) {
        wire.setRawHeader(header.name.trimmed().toUtf8(), header.value.toUtf8());
    }
    if (askForTrace) {
        wire.setRawHeader(kTraceRequestHeader, "1");
    }
    const QByteArray method = request.method.trimmed().toUpper().toLatin1();
    if (request.bodyKind == BodyKind::None) {
        // QNAM knows a HEAD answer has no body only when it is sent as HEAD.
        if (method == "HEAD") {
            return manager.head(wire);
        }
        return manager.sendCustomRequest(wire, method.isEmpty() ? QByteArray("GET") : method);
    }
    if (!wire.hasRawHeader("Content-Type")) {
        // QNAM would pick this default itself, with a warning on stderr.
        wire.setHeader(QNetworkRequest::ContentTypeHeader,
                       QStringLiteral("application/x-www-form-urlencoded"));
    }
    return manager.sendCustomRequest(wire, method, request.bodyBytes());
}

RequestSender::RequestSender(QObject* parent)
    : QObject(parent), m_manager(new QNetworkAccessManager(this))
{
    qRegisterMetaType<ClientResponse>();
}

RequestSender::~RequestSender()
{
    disconnect(this, nullptr, nullptr, nullptr);
    cancel();
}

bool RequestSender::send(const ClientRequest& request, const QUrl& base, QString& error)
{
    const QUrl url = request.sendableUrl(base, error);
    if (url.isEmpty()) {
        return false;
    }
    cancel();
    m_response = {};
    m_response.url = url;
    m_headSeen = false;
    m_timer.start();
    m_reply = startReply(*m_manager, request, url, true);
    connect(m_reply, &QNetworkReply::metaDataChanged, this, &RequestSender::onHead);
    connect(m_reply, &QNetworkReply::downloadProgress, this,
            [this](qint64 received, qint64) { Q_EMIT progress(received); });
    connect(m_reply, &QNetworkReply::readyRead, this, [this] {
        if (m_reply) {
            Q_EMIT bodyProgress(
                m_reply->peek(std::min<qint64>(m_reply->bytesAvailable(), kMaxPeekBytes)));
        }
    });
    connect(m_reply, &QNetworkReply::finished, this, &RequestSender::onFinished);
    return true;
}

void RequestSender::cancel()
{
    if (!m_reply) {
        return;
    }
    m_response.cancelled = true;
    m_reply->abort(); // finished() runs now and reports the cancel
}

void RequestSender::onHead()
{
    if (!m_reply || m_headSeen) {
        return;
    }
    const QVariant status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!status.isValid()) {
        return;
    }
    m_headSeen = true;
    m_response.headNs = m_timer.nsecsElapsed();
    m_response.status = status.toInt();
    m_response.reason = QString::fromUtf8(
        m_reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray());
    m_response.headers = m_reply->rawHeaderPairs();
    m_response.runtimeRequestId = m_reply->rawHeader(kTraceResponseHeader).toULongLong();
    Q_EMIT headReceived(m_response);
}

void RequestSender::onFinished()
{
    QNetworkReply* reply = m_reply;
    if (!reply) {
        return;
    }
    onHead();
    m_response.totalNs = m_timer.nsecsElapsed();
    m_response.body = reply->isOpen() ? reply->readAll() : QByteArray(); // aborted: closed
    m_response.complete = true;
    if (reply->error() != QNetworkReply::NoError &&
        reply->error() != QNetworkReply::OperationCanceledError) {
        // Any HTTP status is an answer; only the transport failing is an error here.
        if (!reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).isValid()) {
            m_response.error = reply->errorString();
        }
    } else if (reply->error() == QNetworkReply::OperationCanceledError) {
        m_response.error = tr("cancelled");
    }
    m_reply = nullptr;
    reply->deleteLater();
    Q_EMIT finished(m_response);
}

} // namespace restyscope::ui::client
