// The main window over a real engine: pause, send a request over TCP, step its resumes with
// the Step action and read what the Coroutines, Ready list, Posted queue and Code cache views
// show after each step; then continue and get the response. lua_code_cache off/on seen in
// the Requests and Code cache views; opening prefixes and Lua dirs, a taken port, a conf
// error shown as nginx words it, and the error.log view.

#include "tests/common/httpclient.h"
#include "tests/ui/modelfixtures.h"
#include "tests/ui/prefixfixture.h"
#include "ui/bridge/enginebridge.h"
#include "ui/views/mainwindow.h"
#include "ui/views/sourceview.h"

#include <QAction>
#include <QDir>
#include <QDirIterator>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QToolBar>
#include <QTreeView>
#include <QtTest>

#include <functional>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace restyscope;

namespace {

QAbstractItemModel* model(const QMainWindow& window, const char* name)
{
    return window.findChild<QAbstractItemModel*>(QString::fromLatin1(name));
}

// Column `column` of every row, in row order.
QStringList columnOf(const QAbstractItemModel& model, int column)
{
    QStringList out;
    for (const auto& row : test::printModel(model)) {
        out << row.split(QStringLiteral(" | ")).value(column);
    }
    return out;
}

// state() once it has settled: a resume is held (a ready row) or the request is gone (no
// coroutine), and two reads 250 ms apart agree; "did not settle: ..." after 10 s.
QString settledState(const std::function<QString()>& state, const QAbstractItemModel& ready,
                     const QAbstractItemModel& coroutines)
{
    QElapsedTimer timer;
    timer.start();
    QString last;
    while (timer.elapsed() < 10000) {
        QTest::qWait(250);
        const QString now = state();
        const bool waiting = ready.rowCount() > 0 || coroutines.rowCount() == 0;
        if (waiting && now == last) {
            return now;
        }
        last = now;
    }
    return QStringLiteral("did not settle: ") + last;
}

// text with the request id shown as R: in the ready and posted rows and the tree's top row.
QString normalized(const QString& requestId, QString text)
{
    if (requestId.isEmpty()) {
        return text;
    }
    text.replace(QStringLiteral("request %1:").arg(requestId), QStringLiteral("request R:"));
    static const QRegularExpression row(QStringLiteral("(^|: |; )(\\d+) \\| (\\d+) \\| "));
    QString out;
    qsizetype at = 0;
    for (auto it = row.globalMatch(text); it.hasNext();) {
        const auto match = it.next();
        out += text.mid(at, match.capturedStart() - at) + match.captured(1) + match.captured(2) +
               QStringLiteral(" | ") +
               (match.captured(3) == requestId ? QStringLiteral("R") : match.captured(3)) +
               QStringLiteral(" | ");
        at = match.capturedEnd();
    }
    return out + text.mid(at);
}

quint16 urlPort(const QString& url)
{
    return static_cast<quint16>(
        url.section(QLatin1Char(':'), 2).section(QLatin1Char('/'), 0, 0).toUInt());
}

// Holds a port the way another program would: bound and listening on 127.0.0.1.
class PortHolder
{
public:
    explicit PortHolder(quint16 port)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        m_held = m_fd >= 0 &&
                 ::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                 ::listen(m_fd, 1) == 0;
    }
    ~PortHolder()
    {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    PortHolder(const PortHolder&) = delete;
    PortHolder& operator=(const PortHolder&) = delete;
    bool held() const { return m_held; }

private:
    int m_fd = -1;
    bool m_held = false;
};

// What real nginx says about the conf of prefix (nginx -t), without its "nginx: " prefix;
// empty when nginx is not installed.
QString nginxTest(const QString& prefix)
{
    if (!QFile::exists(QStringLiteral("/usr/sbin/nginx"))) {
        return {};
    }
    QProcess nginx;
    nginx.start(QStringLiteral("/usr/sbin/nginx"),
                {QStringLiteral("-t"), QStringLiteral("-q"), QStringLiteral("-p"),
                 prefix + QLatin1Char('/'), QStringLiteral("-c"), QStringLiteral("conf/nginx.conf"),
                 QStringLiteral("-e"), prefix + QStringLiteral("/logs/nginx-t.log")});
    nginx.waitForFinished(10000);
    const QString out = QString::fromUtf8(nginx.readAllStandardError());
    return out.section(QLatin1Char('\n'), 0, 0).remove(QStringLiteral("nginx: "));
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear(); // no watches, recent dirs or layout from an earlier run
    }

    void stepThroughUserThreadAndSleep()
    {
        QTemporaryDir prefix;
        QVERIFY(prefix.isValid());
        const auto port = test::freePort();
        test::writeServerPrefix(prefix, port,
                                QStringLiteral("    location /t { content_by_lua_block {\n"
                                               "      local t = ngx.thread.spawn(function()\n"
                                               "          ngx.sleep(1.0) return 'slept' end)\n"
                                               "      local ok, v = ngx.thread.wait(t)\n"
                                               "      ngx.say(v)\n"
                                               "    } }\n"));

        ui::EngineBridge bridge;
        QString error;
        QVERIFY2(bridge.start(prefix.path(), error), qPrintable(error));
        QCOMPARE(bridge.listenerUrl(), QStringLiteral("http://127.0.0.1:%1/").arg(port));
        ui::MainWindow window(&bridge);
        window.show();

        auto* pauseAction = window.findChild<QAction*>(QStringLiteral("actionPause"));
        auto* stepAction = window.findChild<QAction*>(QStringLiteral("actionStep"));
        auto* continueAction = window.findChild<QAction*>(QStringLiteral("actionContinue"));
        QVERIFY(pauseAction && stepAction && continueAction);
        auto* coroutines = model(window, "coroutineTreeModel");
        auto* ready = model(window, "readyListModel");
        auto* posted = model(window, "postedQueueModel");
        auto* cache = model(window, "codeCacheModel");
        auto* requests = model(window, "requestsModel");
        QVERIFY(coroutines && ready && posted && cache && requests);
        QAbstractItemModelTester treeTester(coroutines,
                                            QAbstractItemModelTester::FailureReportingMode::QtTest);

        QTRY_VERIFY(pauseAction->isEnabled());
        pauseAction->trigger();
        QTRY_VERIFY(window.windowTitle().endsWith(QLatin1String("[paused]")));
        QVERIFY(!stepAction->isEnabled()); // nothing held yet

        test::HttpConnection client;
        QVERIFY(client.connect(port));
        QVERIFY(client.send("GET /t HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));

        // What the views show; settled() reads it once it stops changing.
        auto state = [&]() -> QString {
            return QStringLiteral("ready: ") + test::printModel(*ready).join(QLatin1String("; ")) +
                   QStringLiteral(" | posted: ") +
                   test::printModel(*posted).join(QLatin1String("; ")) +
                   QStringLiteral(" | tree: ") +
                   test::printModel(*coroutines).join(QLatin1String("; "));
        };
        auto settled = [&] { return settledState(state, *ready, *coroutines); };

        QStringList actual{settled()};
        for (int steps = 0; steps < 10 && coroutines->rowCount() > 0; ++steps) {
            QTRY_VERIFY(stepAction->isEnabled());
            stepAction->trigger();
            actual << settled();
        }
        const QStringList expected{
            QStringLiteral("ready: 1 | 1 | entry 1 | first run | posted:  | tree: "
                           "request 1: GET /t | content |  |  | ; "
                           "  entry 1 | not started |  |  | 0"),
            QStringLiteral("ready: 1 | 1 | user thread 2 | first run | posted: "
                           "1 | 1 | entry 1 | after thread spawn | tree: "
                           "request 1: GET /t | content |  |  | ; "
                           "  entry 1 | suspended: thread spawn | thread spawn |  | 1; "
                           "    user thread 2 | not started |  |  | 0"),
            QStringLiteral("ready: 1 | 1 | entry 1 | after thread spawn | posted:  | tree: "
                           "request 1: GET /t | content |  |  | ; "
                           "  entry 1 | suspended: thread spawn | thread spawn |  | 1; "
                           "    user thread 2 | suspended: sleep | sleep | sleep 1000 ms | 1"),
            QStringLiteral("ready: 1 | 1 | user thread 2 | after sleep | posted:  | tree: "
                           "request 1: GET /t | content |  |  | ; "
                           "  entry 1 | waiting on thread 2 | thread wait | thread 2 | 2; "
                           "    user thread 2 | suspended: sleep | sleep | sleep 1000 ms | 1"),
            QStringLiteral("ready: 1 | 1 | entry 1 | after thread wait | posted:  | tree: "
                           "request 1: GET /t | content |  |  | ; "
                           "  entry 1 | waiting on thread 2 | thread wait | thread 2 | 2; "
                           "    user thread 2 | done |  |  | 2"),
            QStringLiteral("ready:  | posted:  | tree: "),
        };
        QCOMPARE(actual, expected);

        // lua_code_cache is on: the block's closure factory sits in the main VM's cache.
        const QStringList cacheRows = test::printModel(*cache);
        QCOMPARE(cacheRows.size(), 1);
        QVERIFY2(cacheRows.front().startsWith(QLatin1String("main ")),
                 qPrintable(cacheRows.front()));
        QVERIFY2(cacheRows.front().contains(QLatin1String("=content_by_lua(nginx.conf:5)")),
                 qPrintable(cacheRows.front()));

        const auto response = client.read(std::chrono::seconds(5));
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, std::string("slept\n"));
        QTRY_COMPARE(test::printModel(*requests).value(0).section(QLatin1String(" | "), 0, 2),
                     QStringLiteral("1 | GET /t | 200"));

        QTRY_VERIFY(continueAction->isEnabled());
        continueAction->trigger();
        QTRY_VERIFY(!window.windowTitle().endsWith(QLatin1String("[paused]")));
        // Running again: a request passes without stepping.
        const auto second = test::httpRequest(port, "GET", "/t");
        QCOMPARE(second.body, std::string("slept\n"));
    }

    // Issue 19 item 6: View > Reset layout brings every dock back; docks have a minimum size.
    void resetLayout()
    {
        QSettings().remove(QStringLiteral("mainwindow"));
        ui::EngineBridge bridge;
        {
            ui::MainWindow window(&bridge);
            window.resize(1600, 1000);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            auto* reset = window.findChild<QAction*>(QStringLiteral("actionResetLayout"));
            auto* coroutines = window.findChild<QDockWidget*>(QStringLiteral("coroutinesDock"));
            auto* events = window.findChild<QDockWidget*>(QStringLiteral("eventsDock"));
            QVERIFY(reset && coroutines && events);
            QVERIFY(coroutines->widget()->minimumHeight() > 0);
            coroutines->hide();
            events->setFloating(true);
            reset->trigger();
            QTRY_VERIFY(coroutines->isVisible());
            QVERIFY(!events->isFloating());
            QVERIFY(events->isVisible());
        }
    }

    // Issue 19 item 8: an empty view says what will appear there and how; the text goes
    // once rows arrive.
    void emptyStatesTeach()
    {
        QTemporaryDir prefix;
        QVERIFY(prefix.isValid());
        const auto port = test::freePort();
        test::writeServerPrefix(
            prefix, port,
            QStringLiteral("    location /t { content_by_lua_block { ngx.say(1) } }\n"));
        ui::EngineBridge bridge;
        QString error;
        QVERIFY2(bridge.start(prefix.path(), error), qPrintable(error));
        ui::MainWindow window(&bridge);
        window.show();
        auto emptyText = [&](const char* view) -> QString {
            auto* tree = window.findChild<QTreeView*>(QString::fromLatin1(view));
            auto* label =
                tree ? tree->viewport()->findChild<QLabel*>(QStringLiteral("emptyState")) : nullptr;
            return label && !label->isHidden() ? label->text() : QString();
        };
        QVERIFY2(emptyText("requestsView").contains(QLatin1String("Ctrl+Enter")),
                 qPrintable(emptyText("requestsView")));
        QVERIFY(emptyText("coroutinesView").startsWith(QLatin1String("No live coroutines")));
        QVERIFY(emptyText("readyView").startsWith(QLatin1String("Nothing held")));
        QVERIFY(emptyText("eventsView").startsWith(QLatin1String("No probe events")));
        QVERIFY(emptyText("codeCacheView").contains(QLatin1String("lua_code_cache off")));
        QCOMPARE(test::httpRequest(port, "GET", "/t").body, std::string("1\n"));
        QTRY_COMPARE(emptyText("requestsView"), QString());
        QTRY_COMPARE(emptyText("eventsView"), QString());
        QTRY_COMPARE(emptyText("codeCacheView"), QString());
    }

    // Issue 19 bug 4: with two resumes held, the one selected in the Ready list is the one
    // Step resume runs (the selection survives the snapshots that refresh the list), and a
    // double-click runs the row clicked.
    void stepTheSelectedResume()
    {
        QTemporaryDir prefix;
        QVERIFY(prefix.isValid());
        const auto port = test::freePort();
        test::writeServerPrefix(
            prefix, port,
            QStringLiteral(
                "    location /t { content_by_lua_block { ngx.say(ngx.var.arg_n) } }\n"));
        ui::EngineBridge bridge;
        QString error;
        QVERIFY2(bridge.start(prefix.path(), error), qPrintable(error));
        ui::MainWindow window(&bridge);
        window.show();
        auto* pauseAction = window.findChild<QAction*>(QStringLiteral("actionPause"));
        auto* stepAction = window.findChild<QAction*>(QStringLiteral("actionStep"));
        auto* continueAction = window.findChild<QAction*>(QStringLiteral("actionContinue"));
        auto* readyView = window.findChild<QTreeView*>(QStringLiteral("readyView"));
        auto* ready = model(window, "readyListModel");
        QVERIFY(pauseAction && stepAction && continueAction && readyView && ready);
        QAbstractItemModelTester readyTester(
            ready, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_VERIFY(pauseAction->isEnabled());
        pauseAction->trigger();
        QTRY_VERIFY(window.windowTitle().endsWith(QLatin1String("[paused]")));

        // One connection per request, each held at its entry thread's first run.
        test::HttpConnection first;
        test::HttpConnection second;
        test::HttpConnection third;
        QVERIFY(first.connect(port));
        QVERIFY(first.send("GET /t?n=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
        QTRY_COMPARE(ready->rowCount(), 1);
        const QString firstRequest = ready->index(0, 1).data().toString();
        QVERIFY(second.connect(port));
        QVERIFY(second.send("GET /t?n=2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
        QTRY_COMPARE(ready->rowCount(), 2);

        // Row 2 selected, then a few snapshots refresh the list before Step.
        readyView->selectionModel()->setCurrentIndex(
            ready->index(1, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QTest::qWait(500);
        QCOMPARE(readyView->currentIndex().row(), 1);
        QVERIFY(stepAction->isEnabled());
        stepAction->trigger();
        QCOMPARE(second.read(std::chrono::seconds(5)).body, std::string("2\n"));
        QTRY_COMPARE(ready->rowCount(), 1);
        QCOMPARE(ready->index(0, 1).data().toString(), firstRequest); // the first still waits

        // A double-click on row 2 runs that one.
        QVERIFY(third.connect(port));
        QVERIFY(third.send("GET /t?n=3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
        QTRY_COMPARE(ready->rowCount(), 2);
        Q_EMIT readyView->doubleClicked(ready->index(1, 2));
        QCOMPARE(third.read(std::chrono::seconds(5)).body, std::string("3\n"));
        QTRY_COMPARE(ready->rowCount(), 1);
        QCOMPARE(ready->index(0, 1).data().toString(), firstRequest);

        // Nothing selected: Step runs the head.
        readyView->clearSelection();
        QTRY_VERIFY(stepAction->isEnabled());
        stepAction->trigger();
        QCOMPARE(first.read(std::chrono::seconds(5)).body, std::string("1\n"));
        continueAction->trigger();
    }

    // The bundled example's /api/threads (two user threads that sleep, a user coroutine,
    // lua_code_cache off), stepped resume by resume: the views after each Step, the code
    // cache of the request's own VM included.
    void exampleThreadsStepped()
    {
        QTemporaryDir copy;
        QVERIFY(copy.isValid());
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
        QVERIFY(window.openDirectory(copy.path())); // 8080, or the next free port
        window.show();
        const quint16 port = urlPort(bridge.listenerUrl());
        auto* pauseAction = window.findChild<QAction*>(QStringLiteral("actionPause"));
        auto* stepAction = window.findChild<QAction*>(QStringLiteral("actionStep"));
        auto* continueAction = window.findChild<QAction*>(QStringLiteral("actionContinue"));
        auto* coroutines = model(window, "coroutineTreeModel");
        auto* ready = model(window, "readyListModel");
        auto* posted = model(window, "postedQueueModel");
        auto* cache = model(window, "codeCacheModel");
        QVERIFY(pauseAction && stepAction && continueAction && coroutines && ready && posted &&
                cache);
        QAbstractItemModelTester treeTester(coroutines,
                                            QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester cacheTester(
            cache, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_VERIFY(pauseAction->isEnabled());
        pauseAction->trigger();
        QTRY_VERIFY(window.windowTitle().endsWith(QLatin1String("[paused]")));

        test::HttpConnection client;
        QVERIFY(client.connect(port));
        QVERIFY(client.send("GET /api/threads HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
        // The cache rows as VM kind, file (relative to the prefix) and hits.
        const QString base = QFileInfo(copy.path()).canonicalFilePath() + QLatin1Char('/');
        auto cacheRows = [&] {
            QStringList rows;
            for (const auto& row : test::printModel(*cache)) {
                const auto cells = row.split(QStringLiteral(" | "));
                rows << cells.value(0).section(QLatin1Char(' '), 0, 0) + QLatin1Char(' ') +
                            QString(cells.value(3)).remove(base) + QStringLiteral(" hits ") +
                            cells.value(5);
            }
            return rows.join(QLatin1String("; "));
        };
        // Request ids count per process: the request shows as R.
        QString requestId;
        auto state = [&]() -> QString {
            if (requestId.isEmpty() && ready->rowCount() > 0) {
                requestId = ready->index(0, 1).data().toString();
            }
            return normalized(requestId,
                              QStringLiteral("ready: ") +
                                  test::printModel(*ready).join(QLatin1String("; ")) +
                                  QStringLiteral(" | posted: ") +
                                  test::printModel(*posted).join(QLatin1String("; ")) +
                                  QStringLiteral(" | tree: ") +
                                  test::printModel(*coroutines).join(QLatin1String("; ")) +
                                  QStringLiteral(" | cache: ") + cacheRows());
        };
        auto settled = [&] { return settledState(state, *ready, *coroutines); };
        QStringList actual{settled()};
        for (int steps = 0; steps < 20 && coroutines->rowCount() > 0; ++steps) {
            QTRY_VERIFY(stepAction->isEnabled());
            stepAction->trigger();
            actual << settled();
        }
        const QStringList expected{
            QStringLiteral("ready: 1 | R | entry 1 | first run"
                           " | posted: "
                           " | tree: request R: GET /api/threads | content |  |  | ;"
                           "   entry 1 | not started |  |  | 0"
                           " | cache: request lua/threads.lua hits 0"),
            QStringLiteral("ready: 1 | R | user thread 2 | first run"
                           " | posted: 1 | R | entry 1 | after thread spawn"
                           " | tree: request R: GET /api/threads | content |  |  | ;"
                           "   entry 1 | suspended: thread spawn | thread spawn |  | 1;"
                           "     user thread 2 | not started |  |  | 0"
                           " | cache: request lua/threads.lua hits 0"),
            QStringLiteral(
                "ready: 1 | R | entry 1 | after thread spawn; 2 | R | user thread 2 | after sleep"
                " | posted: "
                " | tree: request R: GET /api/threads | content |  |  | ;"
                "   entry 1 | suspended: thread spawn | thread spawn |  | 1;"
                "     user thread 2 | suspended: sleep | sleep | sleep 200 ms | 1"
                " | cache: request lua/threads.lua hits 0"),
            QStringLiteral(
                "ready: 1 | R | user thread 2 | after sleep; 2 | R | user thread 3 | first run"
                " | posted: 1 | R | entry 1 | after thread spawn"
                " | tree: request R: GET /api/threads | content |  |  | ;"
                "   entry 1 | suspended: thread spawn | thread spawn |  | 2;"
                "     user thread 2 | suspended: sleep | sleep | sleep 200 ms | 1;"
                "     user thread 3 | not started |  |  | 0"
                " | cache: request lua/threads.lua hits 0"),
            QStringLiteral(
                "ready: 1 | R | user thread 3 | first run; 2 | R | entry 1 | after thread spawn"
                " | posted: "
                " | tree: request R: GET /api/threads | content |  |  | ;"
                "   entry 1 | suspended: thread spawn | thread spawn |  | 2;"
                "     user thread 2 | zombie |  |  | 2;"
                "     user thread 3 | not started |  |  | 0"
                " | cache: request lua/threads.lua hits 0"),
            QStringLiteral(
                "ready: 1 | R | entry 1 | after thread spawn; 2 | R | user thread 3 | after sleep"
                " | posted: "
                " | tree: request R: GET /api/threads | content |  |  | ;"
                "   entry 1 | suspended: thread spawn | thread spawn |  | 2;"
                "     user thread 2 | zombie |  |  | 2;"
                "     user thread 3 | suspended: sleep | sleep | sleep 100 ms | 1"
                " | cache: request lua/threads.lua hits 0"),
            QStringLiteral(
                "ready: 1 | R | user thread 3 | after sleep; 2 | R | user coroutine 4 | first run"
                " | posted: "
                " | tree: request R: GET /api/threads | content |  |  | ;"
                "   entry 1 | suspended: coroutine resume | coroutine resume |  | 3;"
                "     user thread 2 | zombie |  |  | 2;"
                "     user thread 3 | suspended: sleep | sleep | sleep 100 ms | 1;"
                "     user coroutine 4 | not started |  |  | 0"
                " | cache: request lua/threads.lua hits 0"),
            QStringLiteral("ready: 1 | R | user coroutine 4 | first run"
                           " | posted: "
                           " | tree: request R: GET /api/threads | content |  |  | ;"
                           "   entry 1 | suspended: coroutine resume | coroutine resume |  | 3;"
                           "     user thread 2 | zombie |  |  | 2;"
                           "     user thread 3 | zombie |  |  | 2;"
                           "     user coroutine 4 | not started |  |  | 0"
                           " | cache: request lua/threads.lua hits 0"),
            QStringLiteral(
                "ready: 1 | R | entry 1 | after coroutine resume"
                " | posted: "
                " | tree: request R: GET /api/threads | content |  |  | ;"
                "   entry 1 | suspended: coroutine resume | coroutine resume |  | 3;"
                "     user thread 2 | zombie |  |  | 2;"
                "     user thread 3 | zombie |  |  | 2;"
                "     user coroutine 4 | suspended: coroutine yield | coroutine yield |  | 1"
                " | cache: request lua/threads.lua hits 0"),
            QStringLiteral(
                "ready: 1 | R | user coroutine 4 | after coroutine yield"
                " | posted: "
                " | tree: request R: GET /api/threads | content |  |  | ;"
                "   entry 1 | suspended: coroutine resume | coroutine resume |  | 4;"
                "     user thread 2 | zombie |  |  | 2;"
                "     user thread 3 | zombie |  |  | 2;"
                "     user coroutine 4 | suspended: coroutine yield | coroutine yield |  | 1"
                " | cache: request lua/threads.lua hits 0"),
            QStringLiteral(
                "ready: 1 | R | entry 1 | after coroutine resume"
                " | posted: "
                " | tree: request R: GET /api/threads | content |  |  | ;"
                "   entry 1 | suspended: coroutine resume | coroutine resume |  | 4;"
                "     user thread 2 | zombie |  |  | 2;"
                "     user thread 3 | zombie |  |  | 2;"
                "     user coroutine 4 | suspended: coroutine yield | coroutine yield |  | 2"
                " | cache: request lua/threads.lua hits 0"),
            QStringLiteral(
                "ready: 1 | R | user coroutine 4 | after coroutine yield"
                " | posted: "
                " | tree: request R: GET /api/threads | content |  |  | ;"
                "   entry 1 | suspended: coroutine resume | coroutine resume |  | 5;"
                "     user thread 2 | zombie |  |  | 2;"
                "     user thread 3 | zombie |  |  | 2;"
                "     user coroutine 4 | suspended: coroutine yield | coroutine yield |  | 2"
                " | cache: request lua/threads.lua hits 0"),
            QStringLiteral(
                "ready: 1 | R | entry 1 | after coroutine resume"
                " | posted: "
                " | tree: request R: GET /api/threads | content |  |  | ;"
                "   entry 1 | suspended: coroutine resume | coroutine resume |  | 5;"
                "     user thread 2 | zombie |  |  | 2;"
                "     user thread 3 | zombie |  |  | 2;"
                "     user coroutine 4 | suspended: coroutine yield | coroutine yield |  | 3"
                " | cache: request lua/threads.lua hits 0"),
            QStringLiteral(
                "ready: 1 | R | entry 1 | after sleep"
                " | posted: "
                " | tree: request R: GET /api/threads | content |  |  | ;"
                "   entry 1 | suspended: sleep | sleep | sleep 0 ms | 6;"
                "     user thread 2 | done |  |  | 2;"
                "     user thread 3 | done |  |  | 2;"
                "     user coroutine 4 | suspended: coroutine yield | coroutine yield |  | 3"
                " | cache: request lua/threads.lua hits 0"),
            QStringLiteral("ready: "
                           " | posted: "
                           " | tree: "
                           " | cache: "),
        };
        QCOMPARE(actual, expected);
        const auto response = client.read(std::chrono::seconds(5));
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, std::string("generator: 123\na after 0.2s\nb after 0.1s\ndone\n"));
        continueAction->trigger();
    }

    // lua_code_cache off: each request runs in its own VM, its code cached there while it
    // lives; on: every request in the main VM, one cache entry, hit by the second request.
    void codeCacheOffAndOn()
    {
        QTemporaryDir prefix;
        QVERIFY(prefix.isValid());
        const auto port = test::freePort();
        test::writeServerPrefix(
            prefix, port, QStringLiteral("    location /t { content_by_lua_file lua/t.lua; }\n"),
            {{QStringLiteral("lua/t.lua"), QStringLiteral("ngx.sleep(1.5)\nngx.say('ok')\n")}});
        ui::EngineBridge bridge;
        ui::MainWindow window(&bridge);
        QVERIFY(window.openDirectory(prefix.path()));
        window.show();
        auto* requests = model(window, "requestsModel");
        auto* cache = model(window, "codeCacheModel");
        QVERIFY(requests && cache);
        QAbstractItemModelTester requestsTester(
            requests, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester cacheTester(
            cache, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QString file = prefix.filePath(QStringLiteral("lua/t.lua"));

        // Two concurrent requests; the views read while both sleep, then after both ended.
        auto twoRequests = [&](const QStringList& cacheWhileLive) {
            test::HttpConnection a;
            test::HttpConnection b;
            QVERIFY(a.connect(port) && b.connect(port));
            QVERIFY(a.send("GET /t HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
            QVERIFY(b.send("GET /t HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
            // The VM column of the cache rows, with each row's file.
            auto cacheVms = [&] {
                QStringList rows;
                for (const auto& row : test::printModel(*cache)) {
                    const auto cells = row.split(QStringLiteral(" | "));
                    rows << cells.value(0).section(QLatin1Char(' '), 0, 0) + QLatin1Char(' ') +
                                (cells.value(3) == file ? QStringLiteral("t.lua") : cells.value(3));
                }
                return rows;
            };
            QTRY_COMPARE_WITH_TIMEOUT(cacheVms(), cacheWhileLive, 5000);
            QCOMPARE(a.read(std::chrono::seconds(5)).body, std::string("ok\n"));
            QCOMPARE(b.read(std::chrono::seconds(5)).body, std::string("ok\n"));
        };

        auto* off = window.findChild<QAction*>(QStringLiteral("actionCodeCache2"));
        auto* on = window.findChild<QAction*>(QStringLiteral("actionCodeCache1"));
        QVERIFY(off && on);
        off->trigger();
        twoRequests({QStringLiteral("request t.lua"), QStringLiteral("request t.lua")});
        QTRY_COMPARE(columnOf(*requests, 2),
                     QStringList({QStringLiteral("200"), QStringLiteral("200")}));
        const QStringList offVms = columnOf(*requests, 5);
        QCOMPARE(offVms.size(), 2);
        QVERIFY2(offVms[0].startsWith(QLatin1String("request ")) &&
                     offVms[1].startsWith(QLatin1String("request ")) && offVms[0] != offVms[1],
                 qPrintable(offVms.join(QLatin1String(", "))));
        // Their VMs closed with them: nothing cached is left.
        QTRY_COMPARE(cache->rowCount(), 0);

        on->trigger();
        twoRequests({QStringLiteral("main t.lua")});
        QTRY_COMPARE(columnOf(*requests, 2).size(), 4);
        const QStringList onVms = columnOf(*requests, 5).mid(2);
        QVERIFY2(onVms[0].startsWith(QLatin1String("main ")) && onVms[0] == onVms[1],
                 qPrintable(onVms.join(QLatin1String(", "))));
        // The shared entry stays, hit by the second request.
        QTRY_COMPARE(columnOf(*cache, 5), QStringList({QStringLiteral("1")}));
    }

    // File > Open on a prefix whose port another program holds: the next free port, the
    // status bar's URL says which, and the conf's server still answers there. Then a plain
    // Lua dir (the seed's routing), then a conf error worded as nginx words it, and Retry.
    // Stop listener: new connections are refused while a request already in flight is
    // served to its end; Start binds the same port again.
    void listenerStopAndStart()
    {
        QTemporaryDir prefix;
        QVERIFY(prefix.isValid());
        const auto port = test::freePort();
        test::writeServerPrefix(
            prefix, port, QStringLiteral("    location /t { content_by_lua_file lua/t.lua; }\n"),
            {{QStringLiteral("lua/t.lua"), QStringLiteral("ngx.sleep(0.5)\nngx.say('ok')\n")}});
        ui::EngineBridge bridge;
        ui::MainWindow window(&bridge);
        QVERIFY(window.openDirectory(prefix.path()));
        window.show();
        auto* listen = window.findChild<QAction*>(QStringLiteral("actionListen"));
        auto* label = window.findChild<QLabel*>(QStringLiteral("listenerLabel"));
        QVERIFY(listen && label);
        QVERIFY(listen->isChecked());
        QVERIFY(label->text().startsWith(QLatin1String("listening on http://127.0.0.1:")));

        test::HttpConnection inFlight;
        QVERIFY(inFlight.connect(port));
        QVERIFY(inFlight.send("GET /t HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
        QTest::qWait(100); // the request is parked in its sleep
        listen->trigger();
        QTRY_VERIFY(label->text().startsWith(QLatin1String("listener stopped")));
        QVERIFY(!listen->isChecked());
        test::HttpConnection refused;
        QVERIFY(!refused.connect(port));
        QCOMPARE(inFlight.read(std::chrono::seconds(5)).body, std::string("ok\n"));

        listen->trigger();
        QTRY_VERIFY(label->text().startsWith(QLatin1String("listening on")));
        QVERIFY(listen->isChecked());
        test::HttpConnection again;
        QVERIFY(again.connect(port));
        QVERIFY(again.send("GET /t HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
        const auto response = again.read(std::chrono::seconds(5));
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, std::string("ok\n"));
    }

    void openDirectories()
    {
        QTemporaryDir prefix;
        QVERIFY(prefix.isValid());
        quint16 port = 0;
        std::unique_ptr<PortHolder> holder;
        for (int attempt = 0; attempt < 5 && !(holder && holder->held()); ++attempt) {
            port = test::freePort();
            holder = std::make_unique<PortHolder>(port);
        }
        QVERIFY(holder->held());
        test::writeFile(
            prefix.filePath(QStringLiteral("conf/nginx.conf")),
            QStringLiteral("error_log logs/error.log info;\nevents {}\nhttp {\n"
                           "  server { listen 127.0.0.1:%1; server_name conf;\n"
                           "    location /t { content_by_lua_block {\n"
                           "      ngx.log(ngx.ERR, 'served by ', ngx.var.server_name)\n"
                           "      ngx.say(ngx.var.server_name, ' ', ngx.var.server_port)\n"
                           "    } }\n  }\n}\n")
                .arg(port));
        QDir(prefix.path()).mkpath(QStringLiteral("logs"));

        ui::EngineBridge bridge;
        ui::MainWindow window(&bridge);
        window.show();
        auto* errorLog = model(window, "errorLogModel");
        auto* requests = model(window, "requestsModel");
        auto* errorBar = window.findChild<QToolBar*>(QStringLiteral("errorBar"));
        auto* banner = window.findChild<QLabel*>(QStringLiteral("errorBanner"));
        auto* retry = window.findChild<QAction*>(QStringLiteral("actionRetry"));
        QVERIFY(errorLog && requests && errorBar && banner && retry);
        QAbstractItemModelTester logTester(errorLog,
                                           QAbstractItemModelTester::FailureReportingMode::QtTest);

        QVERIFY(window.openDirectory(prefix.path()));
        const quint16 served = urlPort(bridge.listenerUrl());
        QVERIFY2(served > port && served <= port + 100, qPrintable(bridge.listenerUrl()));
        QVERIFY(errorBar->isHidden());
        const auto response = test::httpRequest(served, "GET", "/t");
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, "conf " + std::to_string(served) + "\n");
        // The error.log view: nginx's lines, the bind notice and the handler's ngx.log.
        const QString moved = QStringLiteral("bind() to 127.0.0.1:%1 failed (98: Address already "
                                             "in use), listening on 127.0.0.1:%2 instead")
                                  .arg(port)
                                  .arg(served);
        auto logHas = [&](const QString& level, const QString& text) {
            for (const auto& line : test::printModel(*errorLog)) {
                if (line.contains(QStringLiteral(" [") + level + QStringLiteral("] ")) &&
                    line.contains(text)) {
                    return true;
                }
            }
            return false;
        };
        QTRY_VERIFY(logHas(QStringLiteral("notice"), moved));
        QTRY_VERIFY(logHas(QStringLiteral("error"),
                           QStringLiteral("[lua] content_by_lua(nginx.conf:5):2: served by conf")));
        QTRY_COMPARE(requests->rowCount(), 1);

        // The Events filter: typing a request id shows that request's events only.
        auto* eventsView = window.findChild<QTreeView*>(QStringLiteral("eventsView"));
        auto* requestFilter = window.findChild<QLineEdit*>(QStringLiteral("eventRequestFilter"));
        auto* eventLog = model(window, "eventLogModel");
        QVERIFY(eventsView && requestFilter && eventLog);
        QCOMPARE(eventsView->model(), eventLog);                      // no filter: the log itself
        QCOMPARE(test::httpRequest(served, "GET", "/t").status, 200); // a second request
        QTRY_COMPARE(requests->rowCount(), 2);
        QTRY_COMPARE(requests->index(1, 2).data().toString(), QStringLiteral("200"));
        const QString requestId = requests->index(0, 0).data().toString();
        requestFilter->setText(QStringLiteral("999999")); // no such request
        QCOMPARE(eventsView->model()->rowCount(), 0);
        requestFilter->setText(requestId);
        QVERIFY(eventsView->model() != eventLog);
        const QStringList shownRequests = columnOf(*eventsView->model(), 2);
        QVERIFY(!shownRequests.isEmpty());
        QCOMPARE(shownRequests, QStringList(shownRequests.size(), requestId));
        QVERIFY(shownRequests.size() < eventLog->rowCount());
        requestFilter->clear();
        QCOMPARE(eventsView->model(), eventLog);

        // A plain Lua dir: /api/NAME runs NAME.lua; the views start empty.
        QTemporaryDir luaDir;
        test::writeFile(luaDir.filePath(QStringLiteral("hello.lua")),
                        QStringLiteral("ngx.say('hello from ', ngx.var.uri)\n"));
        QVERIFY(window.openDirectory(luaDir.path()));
        QCOMPARE(requests->rowCount(), 0);
        QVERIFY(window.windowTitle().contains(QFileInfo(luaDir.path()).canonicalFilePath()));
        const auto hello = test::httpRequest(urlPort(bridge.listenerUrl()), "GET", "/api/hello");
        QCOMPARE(hello.status, 200);
        QCOMPARE(hello.body, std::string("hello from /api/hello\n"));
        QCOMPARE(window.recentDirectories().mid(0, 2),
                 QStringList({QFileInfo(luaDir.path()).canonicalFilePath(),
                              QFileInfo(prefix.path()).canonicalFilePath()}));

        // A conf error: not serving, the banner in nginx's words, Source at the line.
        QFile::rename(prefix.filePath(QStringLiteral("conf/nginx.conf")),
                      prefix.filePath(QStringLiteral("conf/good.conf")));
        test::writeFile(prefix.filePath(QStringLiteral("conf/nginx.conf")),
                        QStringLiteral("events {}\nhttp {\n  server {\n    listen 127.0.0.1:%1;\n"
                                       "    bogus on;\n  }\n}\n")
                            .arg(port));
        QVERIFY(!window.openDirectory(prefix.path()));
        QVERIFY(bridge.listenerUrl().isEmpty());
        QVERIFY(!errorBar->isHidden());
        const QString conf =
            QFileInfo(prefix.path()).canonicalFilePath() + QStringLiteral("/conf/nginx.conf");
        const QString expected =
            QStringLiteral("[emerg] unknown directive \"bogus\" in %1:5").arg(conf);
        QVERIFY2(banner->text().endsWith(expected.toHtmlEscaped()), qPrintable(banner->text()));
        const QString nginxSays = nginxTest(QFileInfo(prefix.path()).canonicalFilePath());
        if (!nginxSays.isEmpty()) {
            QCOMPARE(nginxSays, expected);
        }
        QCOMPARE(window.sourcePane()->currentFile(), QStringLiteral("conf/nginx.conf"));
        QCOMPARE(window.sourcePane()->editor()->errorLine(), 5);
        QCOMPARE(window.sourcePane()->editor()->textCursor().blockNumber(), 4);
        QVERIFY(window.windowTitle().contains(QFileInfo(prefix.path()).canonicalFilePath()));

        // Fixed on disk; Retry serves it again (the port is still held: the next free one).
        QFile::remove(conf);
        QFile::rename(prefix.filePath(QStringLiteral("conf/good.conf")), conf);
        retry->trigger();
        QVERIFY(errorBar->isHidden());
        QCOMPARE(window.sourcePane()->editor()->errorLine(), 0);
        QCOMPARE(test::httpRequest(urlPort(bridge.listenerUrl()), "GET", "/t").status, 200);
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
