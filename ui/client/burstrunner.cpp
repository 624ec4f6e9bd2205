#include "ui/client/burstrunner.h"

#include "ui/client/requestsender.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>

#include <algorithm>
#include <cmath>

namespace restyscope::ui::client {

namespace {

constexpr int kConnectionsPerManager = 6; // QNetworkAccessManager's per-host limit

} // namespace

double percentile(const std::vector<double>& sorted, double p)
{
    if (sorted.empty()) {
        return 0;
    }
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * double(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

QString BurstSummary::text() const
{
    QStringList counts;
    for (auto it = statusCounts.cbegin(); it != statusCounts.cend(); ++it) {
        counts << QStringLiteral("%1 \u00d7%2").arg(it.key()).arg(it.value());
    }
    for (auto it = errorCounts.cbegin(); it != errorCounts.cend(); ++it) {
        counts << QStringLiteral("%1 \u00d7%2").arg(it.key()).arg(it.value());
    }
    QString text = QObject::tr("%1 of %2 requests").arg(completed + failed).arg(total);
    if (cancelled) {
        text += QObject::tr(" (cancelled)");
    }
    if (!counts.isEmpty()) {
        text += QStringLiteral(": ") + counts.join(QStringLiteral(", "));
    }
    if (completed > 0) {
        text += QObject::tr("; latency min %1, median %2, p99 %3, max %4")
                    .arg(durationText(minMs), durationText(medianMs), durationText(p99Ms),
                         durationText(maxMs));
    }
    if (wallMs > 0) {
        text += QObject::tr("; %1 req/s over %2")
                    .arg(QString::number(double(completed + failed) * 1000.0 / wallMs, 'f', 0),
                         durationText(wallMs));
    }
    return text;
}

BurstRunner::BurstRunner(QObject* parent) : QObject(parent)
{
    qRegisterMetaType<BurstSummary>();
    m_progressTimer.setInterval(50);
    connect(&m_progressTimer, &QTimer::timeout, this,
            [this] { Q_EMIT progress(m_done, m_tally.total); });
}

BurstRunner::~BurstRunner()
{
    disconnect(this, nullptr, nullptr, nullptr); // nobody hears a summary from a dying runner
    cancel();
}

bool BurstRunner::start(const ClientRequest& request, const QUrl& base, int count, int concurrency,
                        QString& error)
{
    if (count < 1 || count > kMaxRequests) {
        error = tr("the request count must be 1 to %1").arg(kMaxRequests);
        return false;
    }
    if (concurrency < 1 || concurrency > kMaxConcurrency) {
        error = tr("the concurrency must be 1 to %1").arg(kMaxConcurrency);
        return false;
    }
    const QUrl url = request.sendableUrl(base, error);
    if (url.isEmpty()) {
        return false;
    }
    cancel();
    m_request = request;
    m_url = url;
    m_tally = {};
    m_tally.total = count;
    m_started = m_done = m_inFlight = 0;
    m_latenciesMs.clear();
    m_latenciesMs.reserve(static_cast<std::size_t>(count));
    m_running = true;
    const int workers = std::min(concurrency, count);
    const int managers = (workers + kConnectionsPerManager - 1) / kConnectionsPerManager;
    for (int i = 0; i < managers; ++i) {
        m_managers.push_back(new QNetworkAccessManager(this));
    }
    m_clock.start();
    m_progressTimer.start();
    for (int worker = 0; worker < workers; ++worker) {
        launch(worker);
    }
    return true;
}

void BurstRunner::launch(int worker)
{
    if (m_started >= m_tally.total || m_tally.cancelled) {
        return;
    }
    ++m_started;
    ++m_inFlight;
    auto* manager = m_managers[static_cast<std::size_t>(worker / kConnectionsPerManager)];
    const qint64 startNs = m_clock.nsecsElapsed();
    QNetworkReply* reply = startReply(*manager, m_request, m_url, false);
    m_replies.append(reply);
    connect(reply, &QNetworkReply::finished, this,
            [this, reply, worker, startNs] { onReplyFinished(reply, worker, startNs); });
}

void BurstRunner::onReplyFinished(QNetworkReply* reply, int worker, qint64 startNs)
{
    m_replies.removeOne(reply);
    reply->deleteLater();
    --m_inFlight;
    ++m_done;
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (status.isValid()) {
        ++m_tally.statusCounts[status.toInt()];
        m_latenciesMs.push_back(double(m_clock.nsecsElapsed() - startNs) / 1e6);
    } else {
        ++m_tally.errorCounts[reply->error() == QNetworkReply::OperationCanceledError
                                  ? tr("cancelled")
                                  : reply->errorString()];
    }
    if (!m_running) {
        return;
    }
    launch(worker);
    if (m_inFlight == 0) {
        finish();
    }
}

void BurstRunner::cancel()
{
    if (!m_running) {
        return;
    }
    m_tally.cancelled = true;
    const auto replies = m_replies; // abort() finishes each synchronously
    for (auto* reply : replies) {
        reply->abort();
    }
    if (m_running) {
        finish();
    }
}

void BurstRunner::finish()
{
    m_running = false;
    m_tally.wallMs = double(m_clock.nsecsElapsed()) / 1e6;
    m_progressTimer.stop();
    // Up to 167 managers, each with its HTTP thread: none outlives the burst.
    for (auto* manager : m_managers) {
        manager->deleteLater();
    }
    m_managers.clear();
    Q_EMIT progress(m_done, m_tally.total);
    Q_EMIT finished(summary());
}

BurstSummary BurstRunner::summary() const
{
    BurstSummary summary = m_tally;
    summary.completed = static_cast<int>(m_latenciesMs.size());
    summary.failed = m_done - summary.completed;
    if (m_running) {
        summary.wallMs = double(m_clock.nsecsElapsed()) / 1e6;
    }
    std::vector<double> sorted = m_latenciesMs;
    std::sort(sorted.begin(), sorted.end());
    if (!sorted.empty()) {
        summary.minMs = sorted.front();
        summary.maxMs = sorted.back();
        summary.medianMs = percentile(sorted, 50);
        summary.p99Ms = percentile(sorted, 99);
    }
    return summary;
}

} // namespace restyscope::ui::client
