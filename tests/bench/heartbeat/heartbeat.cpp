// The GUI's responsiveness under load: the main window serves PREFIX with every probe event
// flowing to its models, wrk hits URL_PATH, and a 5 ms heartbeat timer in the GUI thread
// records how late each tick comes. Prints the worst stall and the 99th percentile while wrk
// runs; exits 1 when the worst stall reaches the goal (50 ms).
//
// Usage: restyscope_heartbeat PREFIX PATH [SECONDS] [CONNECTIONS]

#include "ui/bridge/enginebridge.h"
#include "ui/models/timelinemodel.h"
#include "ui/views/mainwindow.h"

#include <QAbstractItemModel>
#include <QApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

using namespace restyscope;

namespace {

constexpr int kTickMs = 5;
constexpr double kGoalMs = 50.0;

} // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    // Its own settings: the user's window layout and recent dirs stay untouched.
    QApplication::setOrganizationName(QStringLiteral("restyscope-bench"));
    QApplication::setApplicationName(QStringLiteral("heartbeat"));
    const QStringList args = QApplication::arguments();
    if (args.size() < 3) {
        std::fprintf(stderr, "usage: restyscope_heartbeat PREFIX PATH [SECONDS] [CONNECTIONS]\n");
        return 2;
    }
    const QString seconds = args.value(3, QStringLiteral("20"));
    const QString connections = args.value(4, QStringLiteral("50"));

    ui::EngineBridge bridge;
    QElapsedTimer clock;
    // Where the GUI thread's time goes: the window's handlers of each event batch and each
    // snapshot, timed by a slot connected before the window's and one connected after.
    struct HandlerTime
    {
        qint64 startNs = 0;
        double maxMs = 0;
        double totalMs = 0;
        int calls = 0;
    };
    HandlerTime eventTime;
    HandlerTime snapshotTime;
    bool recording = false;
    auto before = [&](HandlerTime& h) { h.startNs = clock.nsecsElapsed(); };
    auto after = [&](HandlerTime& h) {
        if (!recording) {
            return;
        }
        const double ms = double(clock.nsecsElapsed() - h.startNs) / 1e6;
        h.maxMs = std::max(h.maxMs, ms);
        h.totalMs += ms;
        ++h.calls;
    };
    QObject::connect(&bridge, &ui::DebugController::eventsArrived, [&] { before(eventTime); });
    QObject::connect(&bridge, &ui::DebugController::snapshotArrived, [&] { before(snapshotTime); });
    ui::MainWindow window(&bridge);
    QObject::connect(&bridge, &ui::DebugController::eventsArrived, [&] { after(eventTime); });
    QObject::connect(&bridge, &ui::DebugController::snapshotArrived, [&] { after(snapshotTime); });
    if (!window.openDirectory(args.at(1))) {
        std::fprintf(stderr, "heartbeat: cannot serve %s\n", qPrintable(args.at(1)));
        return 2;
    }
    window.show();
    // RESTYSCOPE_HEARTBEAT_WATERFALL=1: the Timeline's waterfall follows the load (its lanes
    // are rebuilt from the whole history while requests come in).
    if (qEnvironmentVariableIntValue("RESTYSCOPE_HEARTBEAT_WATERFALL") == 1) {
        window.showInTimeline({});
        window.timelineModel()->showWaterfall();
    }
    const QString url =
        bridge.listenerUrl() + args.at(2).mid(args.at(2).startsWith(QLatin1Char('/')) ? 1 : 0);

    std::vector<double> stalls; // ms late, one per tick, while wrk runs
    stalls.reserve(8192);
    std::vector<std::pair<double, double>> worst; // (stall ms, at s since the load began)
    qint64 loadStartNs = 0;
    qint64 lastNs = 0;
    QTimer heartbeat;
    heartbeat.setTimerType(Qt::PreciseTimer);
    heartbeat.setInterval(kTickMs);
    QObject::connect(&heartbeat, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        if (recording) {
            const double stall = std::max(0.0, double(now - lastNs) / 1e6 - kTickMs);
            stalls.push_back(stall);
            if (stall >= 20) {
                worst.emplace_back(stall, double(now - loadStartNs) / 1e9);
            }
        }
        lastNs = now;
    });

    QProcess wrk;
    // The load is on once wrk runs: forking it is the harness's cost, not the window's.
    QObject::connect(&wrk, &QProcess::started, [&] {
        lastNs = clock.nsecsElapsed();
        loadStartNs = lastNs;
        recording = true;
    });
    QObject::connect(&wrk, &QProcess::errorOccurred, [&](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart) {
            std::fprintf(stderr, "heartbeat: cannot run wrk\n");
            QApplication::exit(2);
        }
    });
    wrk.setProcessChannelMode(QProcess::MergedChannels);
    int exitCode = 0;
    QObject::connect(&wrk, &QProcess::finished, [&] {
        recording = false;
        const QString out = QString::fromUtf8(wrk.readAll());
        for (const auto& line : out.split(QLatin1Char('\n'))) {
            if (line.contains(QLatin1String("Requests/sec")) ||
                line.contains(QLatin1String("requests in")) ||
                line.contains(QLatin1String("Non-2xx")) || line.contains(QLatin1String("errors"))) {
                std::printf("wrk: %s\n", qPrintable(line.trimmed()));
            }
        }
        // Let the UI catch up with what is still in the ring, then read the views.
        QTimer::singleShot(500, [&] {
            std::sort(stalls.begin(), stalls.end());
            const double max = stalls.empty() ? 0 : stalls.back();
            const double p99 = stalls.empty() ? 0 : stalls[stalls.size() * 99 / 100];
            const auto* requests =
                window.findChild<QAbstractItemModel*>(QStringLiteral("requestsModel"));
            const auto* events =
                window.findChild<QAbstractItemModel*>(QStringLiteral("eventLogModel"));
            std::printf("heartbeat: %zu ticks of %d ms; stall max %.1f ms, p99 %.1f ms "
                        "(goal: max < %.0f ms)\n",
                        stalls.size(), kTickMs, max, p99, kGoalMs);
            std::printf("views: %d request rows, %d event rows; ring drops %llu\n",
                        requests ? requests->rowCount() : -1, events ? events->rowCount() : -1,
                        static_cast<unsigned long long>(bridge.droppedEvents()));
            for (const auto& [name, h] :
                 {std::pair{"event batches", &eventTime}, std::pair{"snapshots", &snapshotTime}}) {
                std::printf("handlers: %d %s, %.1f ms each on average, max %.1f ms\n", h->calls,
                            name, h->calls ? h->totalMs / h->calls : 0.0, h->maxMs);
            }
            std::sort(worst.begin(), worst.end(), std::greater<>());
            worst.resize(std::min<std::size_t>(worst.size(), 5));
            for (const auto& [stall, at] : worst) {
                std::printf("  stall %.1f ms at %.2f s\n", stall, at);
            }
            exitCode = max < kGoalMs ? 0 : 1;
            QApplication::exit(exitCode);
        });
    });

    // One second to settle (first paint, the first snapshot), then load.
    clock.start();
    heartbeat.start();
    QTimer::singleShot(1000, [&] {
        std::printf("heartbeat: wrk -c %s -d %ss %s\n", qPrintable(connections),
                    qPrintable(seconds), qPrintable(url));
        std::fflush(stdout);
        wrk.start(QStringLiteral("wrk"), {QStringLiteral("-c"), connections, QStringLiteral("-d"),
                                          seconds + QLatin1Char('s'), url});
    });
    const int code = QApplication::exec();
    if (wrk.state() != QProcess::NotRunning) {
        wrk.kill();
        wrk.waitForFinished(5000);
    }
    return code;
}
