// The window's history: a trace written by a real run of the example (the --trace writer)
// opens offline, with no engine running, into the same Timeline a live run shows; a cut or
// partly unreadable file opens with a banner and the part that could be read; Save trace
// writes what the history holds; and live, a finished request selected through the
// client's link ("show in runtime") is shown in the Timeline.

#include "engine/debug/tracefile.h"
#include "engine/engine.h"
#include "engine/history/history.h"
#include "tests/common/examplerun.h"
#include "tests/common/httpclient.h"
#include "tests/ui/modelfixtures.h"
#include "ui/bridge/enginebridge.h"
#include "ui/bridge/tracefiles.h"
#include "ui/models/requestsmodel.h"
#include "ui/models/timelinemodel.h"
#include "ui/views/mainwindow.h"

#include <QAbstractItemModelTester>
#include <QDirIterator>
#include <QDockWidget>
#include <QLabel>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QToolBar>
#include <QtTest>

#include <thread>

using namespace restyscope;

namespace {

const QStringList kThreadsTimeline = {
    QStringLiteral("GET /api/threads | 200 |  |  | "),
    QStringLiteral("  entry 1 | finished |  |  | run, thread spawn [user thread 2], run, "
                   "thread spawn [user thread 3], run, coroutine resume [user coroutine 4], "
                   "run, coroutine resume [user coroutine 4], run, coroutine resume [user "
                   "coroutine 4], run, thread wait [user thread 2], run, sleep [sleep "
                   "0 ms], run"),
    QStringLiteral("    user thread 2 | finished |  |  | run, sleep [sleep 200 ms], run"),
    QStringLiteral("    user thread 3 | finished |  |  | run, sleep [sleep 100 ms], run"),
    QStringLiteral("    user coroutine 4 | abandoned |  |  | run, coroutine yield, run, "
                   "coroutine yield, run, coroutine yield"),
};

quint16 urlPort(const QString& url)
{
    return static_cast<quint16>(
        url.section(QLatin1Char(':'), 2).section(QLatin1Char('/'), 0, 0).toUInt());
}

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void writeAll(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(bytes);
}

} // namespace

class TestTraceWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        // A trace of /api/threads as `restyscope --headless --trace FILE` writes it.
        m_trace = m_dir.filePath(QStringLiteral("threads.jsonl"));
        test::EngineFixture fixture;
        std::string error;
        QVERIFY2(test::startExample(fixture, error), error.c_str());
        engine::debug::TraceWriter writer;
        bool started = false;
        fixture.call([&](engine::Engine& engine) {
            started = writer.start(m_trace.toStdString(), engine.tracer(), error);
        });
        QVERIFY2(started, error.c_str());
        QVERIFY(test::getAndWait(fixture, "/api/threads") != 0);
        fixture.call([&](engine::Engine&) { writer.stop(); });
        fixture.stop();
        m_written = static_cast<int>(writer.written());
        QVERIFY(m_written > 20);
    }

    void opensASavedTraceOffline()
    {
        ui::EngineBridge bridge; // never started: no engine runs
        ui::MainWindow window(&bridge);
        auto* timeline = window.findChild<QAbstractItemModel*>(QStringLiteral("timelineModel"));
        auto* requests = window.findChild<QAbstractItemModel*>(QStringLiteral("requestsModel"));
        QVERIFY(timeline && requests);
        QAbstractItemModelTester tester(timeline,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        window.show();
        QVERIFY(window.openTrace(m_trace));
        QVERIFY(!bridge.isRunning());
        QVERIFY(window.isOffline());
        QVERIFY(window.windowTitle().contains(QLatin1String("offline trace")));
        QCOMPARE(requests->rowCount(), 1);
        QCOMPARE(test::printTimeline(*timeline), kThreadsTimeline);
        auto* banner = window.findChild<QToolBar*>(QStringLiteral("traceBar"));
        QVERIFY(banner && !banner->isVisible());
        auto* dock = window.findChild<QDockWidget*>(QStringLiteral("timelineDock"));
        QVERIFY(dock && dock->isVisible());
        QCOMPARE(window.history().events().size(), std::size_t(m_written));
    }

    void opensWhatCanBeReadOfACutTrace()
    {
        QByteArray bytes = readAll(m_trace);
        // A newer writer's kind in the middle, and the file cut in the middle of a line
        // before the request's end.
        const int cut = bytes.lastIndexOf("\"request end\"");
        QVERIFY(cut > 0);
        bytes.truncate(cut + 5);
        const auto complete = static_cast<std::size_t>(bytes.count('\n')); // lines before
        const int middle = bytes.indexOf('\n', bytes.size() / 2) + 1;
        bytes.insert(middle, "{\"seq\":99999,\"t\":1,\"kind\":\"from the future\"}\n");
        const QString path = m_dir.filePath(QStringLiteral("cut.jsonl"));
        writeAll(path, bytes);

        ui::EngineBridge bridge;
        ui::MainWindow window(&bridge);
        window.show();
        QVERIFY(window.openTrace(path));
        auto* banner = window.findChild<QToolBar*>(QStringLiteral("traceBar"));
        auto* text = window.findChild<QLabel*>(QStringLiteral("traceBanner"));
        QVERIFY(banner && text);
        QVERIFY(banner->isVisible());
        QVERIFY2(text->text().contains(QLatin1String("2 lines could not be read")),
                 qPrintable(text->text()));
        QVERIFY2(text->text().contains(QLatin1String("from the future")), qPrintable(text->text()));
        QVERIFY2(text->text().contains(QLatin1String("ends in the middle of line")),
                 qPrintable(text->text()));
        // What was read: the request and its coroutines, not ended.
        auto* timeline = window.findChild<QAbstractItemModel*>(QStringLiteral("timelineModel"));
        const QStringList lanes = test::printTimeline(*timeline);
        QCOMPARE(lanes.size(), kThreadsTimeline.size());
        QCOMPARE(lanes.front(), QStringLiteral("GET /api/threads | running |  |  | "));
        QCOMPARE(lanes[2], kThreadsTimeline[2]);
        QCOMPARE(window.history().events().size(), complete);

        // Nothing readable at all: refused, and the window says why.
        const QString junk = m_dir.filePath(QStringLiteral("junk.jsonl"));
        writeAll(junk, "not a trace\n");
        QVERIFY(!window.openTrace(junk));
        QVERIFY(text->text().contains(QLatin1String("Cannot open the trace")));
    }

    void savesWhatTheHistoryHolds()
    {
        ui::EngineBridge bridge;
        ui::MainWindow window(&bridge);
        QVERIFY(window.openTrace(m_trace));
        const QString saved = m_dir.filePath(QStringLiteral("saved.jsonl"));
        QString error;
        QVERIFY2(window.saveTrace(saved, error), qPrintable(error));
        const auto original = ui::readTraceFile(m_trace);
        const auto again = ui::readTraceFile(saved);
        QCOMPARE(again.badLines, 0);
        QCOMPARE(again.events.size(), original.events.size());
        for (int i = 0; i < again.events.size(); ++i) {
            QCOMPARE(again.events[i].seq, original.events[i].seq);
            QCOMPARE(again.events[i].kind, original.events[i].kind);
            QCOMPARE(again.events[i].timeNs, original.events[i].timeNs);
        }
        // And it opens into the same timeline.
        QVERIFY(window.openTrace(saved));
        QCOMPARE(test::printTimeline(*window.timelineModel()), kThreadsTimeline);
    }

    // Live: the request ends in 0.2 s; selected afterwards (the client's link), the Timeline
    // shows all of it.
    void selectedFinishedRequestIsShownLive()
    {
        QTemporaryDir copy;
        const QString example = QStringLiteral(RESTYSCOPE_EXAMPLE_DIR);
        QDirIterator it(example, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString from = it.next();
            const QString to = copy.filePath(QDir(example).relativeFilePath(from));
            QDir().mkpath(QFileInfo(to).absolutePath());
            QVERIFY(QFile::copy(from, to));
        }
        QDir(copy.path()).mkpath(QStringLiteral("logs"));
        ui::EngineBridge bridge;
        ui::MainWindow window(&bridge);
        QVERIFY(window.openDirectory(copy.path()));
        window.show();
        // While it runs, the Requests view says what it waits on (the 0.2 s sleep).
        test::HttpResponse response;
        std::thread client([&response, port = urlPort(bridge.listenerUrl())] {
            response = test::httpRequest(port, "GET", "/api/threads");
        });
        auto* requests = window.findChild<QAbstractItemModel*>(QStringLiteral("requestsModel"));
        QTRY_VERIFY_WITH_TIMEOUT(requests->rowCount() == 1 &&
                                     requests->index(0, ui::requestsmodel::WaitingColumn)
                                         .data()
                                         .toString()
                                         .contains(QLatin1String("sleep")),
                                 5000);
        const QString chain =
            requests->index(0, ui::requestsmodel::WaitingColumn).data().toString();
        QVERIFY2(chain.startsWith(QLatin1String("entry ")), qPrintable(chain));
        client.join();
        QCOMPARE(response.status, 200);
        const engine::history::RequestRecord* record = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT(
            window.history().size() == 1 && (record = &window.history().at(0))->done, 10000);
        window.selectRequest(record->id);
        QTRY_COMPARE(test::printTimeline(*window.timelineModel()), kThreadsTimeline);
        QCOMPARE(window.timelineModel()->shownRequests(), QList<quint64>{record->id});
        QTRY_COMPARE(requests->index(0, ui::requestsmodel::WaitingColumn).data().toString(),
                     QString());
        auto* status = window.findChild<QLabel*>(QStringLiteral("historyLabel"));
        QVERIFY(status && status->text().startsWith(QLatin1String("history: 1 requests")));
    }

private:
    QTemporaryDir m_dir;
    QString m_trace;
    int m_written = 0;
};

QTEST_MAIN(TestTraceWindow)
#include "tst_tracewindow.moc"
