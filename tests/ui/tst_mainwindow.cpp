// The main window over a real engine: pause, send a request over TCP, step its resumes with
// the Step action and read what the Coroutines, Ready list, Posted queue and Code cache views
// show after each step; then continue and get the response.

#include "tests/common/httpclient.h"
#include "tests/ui/modelfixtures.h"
#include "ui/bridge/enginebridge.h"
#include "ui/views/mainwindow.h"

#include <QAction>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace restyscope;

namespace {

void writeFile(const QString& path, const QString& text)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(text.toUtf8());
}

QAbstractItemModel* model(const QMainWindow& window, const char* name)
{
    return window.findChild<QAbstractItemModel*>(QString::fromLatin1(name));
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void stepThroughUserThreadAndSleep()
    {
        QTemporaryDir prefix;
        QVERIFY(prefix.isValid());
        const auto port = test::freePort();
        writeFile(prefix.filePath(QStringLiteral("conf/nginx.conf")),
                  QStringLiteral("error_log logs/error.log info;\nevents {}\nhttp {\n"
                                 "  server { listen 127.0.0.1:%1;\n"
                                 "    location /t { content_by_lua_block {\n"
                                 "      local t = ngx.thread.spawn(function()\n"
                                 "          ngx.sleep(1.0) return 'slept' end)\n"
                                 "      local ok, v = ngx.thread.wait(t)\n"
                                 "      ngx.say(v)\n"
                                 "    } }\n  }\n}\n")
                      .arg(port));
        QDir(prefix.path()).mkpath(QStringLiteral("logs"));

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

        // What the views show, once it has settled: a resume is held (or the request is gone)
        // and two snapshots 250 ms apart agree.
        auto state = [&]() -> QString {
            return QStringLiteral("ready: ") + test::printModel(*ready).join(QLatin1String("; ")) +
                   QStringLiteral(" | posted: ") +
                   test::printModel(*posted).join(QLatin1String("; ")) +
                   QStringLiteral(" | tree: ") +
                   test::printModel(*coroutines).join(QLatin1String("; "));
        };
        auto settled = [&]() -> QString {
            QElapsedTimer timer;
            timer.start();
            QString last;
            while (timer.elapsed() < 10000) {
                QTest::qWait(250);
                const QString now = state();
                const bool waiting = ready->rowCount() > 0 || coroutines->rowCount() == 0;
                if (waiting && now == last) {
                    return now;
                }
                last = now;
            }
            return QStringLiteral("did not settle: ") + last;
        };

        QStringList actual{settled()};
        for (int steps = 0; steps < 10 && coroutines->rowCount() > 0; ++steps) {
            QTRY_VERIFY(stepAction->isEnabled());
            stepAction->trigger();
            actual << settled();
        }
        const QStringList expected{
            QStringLiteral("ready: 1 | 1 | entry 1 | first run | posted:  | tree: "
                           "request 1: GET /t | content |  |  | ; "
                           "  entry 1 | suspended |  |  | 0"),
            QStringLiteral("ready: 1 | 1 | user thread 2 | first run | posted: "
                           "1 | 1 | entry 1 | after thread spawn | tree: "
                           "request 1: GET /t | content |  |  | ; "
                           "  entry 1 | running | thread spawn |  | 1; "
                           "    user thread 2 | running |  |  | 0"),
            QStringLiteral("ready: 1 | 1 | entry 1 | after thread spawn | posted:  | tree: "
                           "request 1: GET /t | content |  |  | ; "
                           "  entry 1 | running | thread spawn |  | 1; "
                           "    user thread 2 | running | sleep | sleep 1000 ms | 1"),
            QStringLiteral("ready: 1 | 1 | user thread 2 | after sleep | posted:  | tree: "
                           "request 1: GET /t | content |  |  | ; "
                           "  entry 1 | running | thread wait | thread 2 | 2; "
                           "    user thread 2 | running | sleep | sleep 1000 ms | 1"),
            QStringLiteral("ready: 1 | 1 | entry 1 | after thread wait | posted:  | tree: "
                           "request 1: GET /t | content |  |  | ; "
                           "  entry 1 | running | thread wait | thread 2 | 2; "
                           "    user thread 2 | dead |  |  | 2"),
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
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
