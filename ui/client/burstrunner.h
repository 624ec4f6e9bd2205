#pragma once
// Design: N copies of one request with C in flight at once, to watch the scheduler
// interleave them. QNetworkAccessManager opens at most six connections per host, so C
// workers share ceil(C / 6) managers, six each: C requests are really in flight together.
// Each worker sends its next request when its previous one ends. Latency is send -> last
// byte of each request; the summary has the status counts and min / median / p99 / max.

#include "ui/client/clientrequest.h"

#include <QElapsedTimer>
#include <QMap>
#include <QObject>
#include <QTimer>
#include <QVector>

#include <vector>

class QNetworkAccessManager;
class QNetworkReply;

namespace restyscope::ui::client {

struct BurstSummary
{
    int total = 0;
    int completed = 0; // with an HTTP status
    int failed = 0;    // transport errors (refused, reset, cancelled)
    QMap<int, int> statusCounts;
    QMap<QString, int> errorCounts;
    double minMs = 0;
    double medianMs = 0;
    double p99Ms = 0;
    double maxMs = 0;
    double wallMs = 0;
    bool cancelled = false;

    // "200 x198, 500 x2; min 1.2 ms, median 3.4 ms, p99 9.9 ms, max 12.0 ms; 523 req/s"
    QString text() const;
};

// The nearest-rank percentile (p in 0..100) of sorted values; 0 for none.
double percentile(const std::vector<double>& sorted, double p);

class BurstRunner : public QObject
{
    Q_OBJECT
public:
    static constexpr int kMaxConcurrency = 1000;
    static constexpr int kMaxRequests = 100000;

    explicit BurstRunner(QObject* parent = nullptr);
    ~BurstRunner() override;

    // False with error for bad limits or an unsendable request; a running burst goes first.
    bool start(const ClientRequest& request, const QUrl& base, int count, int concurrency,
               QString& error);
    void cancel();
    bool running() const { return m_running; }
    int inFlight() const { return m_inFlight; }
    int done() const { return m_done; }
    int total() const { return m_tally.total; }
    BurstSummary summary() const;

Q_SIGNALS:
    void progress(int done, int total); // at most ~20 per second
    void finished(const restyscope::ui::client::BurstSummary& summary);

private:
    void launch(int worker);
    void onReplyFinished(QNetworkReply* reply, int worker, qint64 startNs);
    void finish();

    ClientRequest m_request;
    QUrl m_url;
    std::vector<QNetworkAccessManager*> m_managers;
    QVector<QNetworkReply*> m_replies; // live ones, for cancel
    QElapsedTimer m_clock;
    QTimer m_progressTimer;
    std::vector<double> m_latenciesMs;
    // The counts as they stand (total, status and error counts, wall time once finished,
    // cancelled); summary() adds what it derives from the latencies.
    BurstSummary m_tally;
    int m_started = 0;
    int m_done = 0;
    int m_inFlight = 0;
    bool m_running = false;
};

} // namespace restyscope::ui::client

Q_DECLARE_METATYPE(restyscope::ui::client::BurstSummary)
