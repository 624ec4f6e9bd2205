// The client dock in the main window over a real engine serving a copy of the example, all
// through real TCP: a GET and a POST with a JSON body to /api/echo show their responses and
// their link selects the request in the Requests, Coroutines and Events views; while the
// engine is paused a request shows as pending and a burst of 200 with 20 in flight waits,
// then completes with its summary once the engine continues.

#include "tests/common/httpclient.h"
#include "ui/bridge/enginebridge.h"
#include "ui/client/burstrunner.h"
#include "ui/client/clientstore.h"
#include "ui/client/dock/clientdock.h"
#include "ui/client/dock/responseview.h"
#include "ui/client/requestsender.h"
#include "ui/models/eventlogmodel.h"
#include "ui/models/modelbase.h"
#include "ui/views/mainwindow.h"

#include <QAction>
#include <QCheckBox>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTreeView>
#include <QtTest>

#include <sys/resource.h>

using namespace restyscope;
using ui::client::BodyKind;
using ui::client::ClientRequest;

namespace {

// The example prefix copied to dir, listening on port.
bool copyExample(const QString& dir, quint16 port)
{
    const QString source = QStringLiteral(RESTYSCOPE_SOURCE_DIR "/resources/example");
    QDirIterator it(source, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString from = it.next();
        const QString to = dir + QLatin1Char('/') + QDir(source).relativeFilePath(from);
        QDir().mkpath(QFileInfo(to).absolutePath());
        if (!QFile::copy(from, to)) {
            return false;
        }
    }
    QDir(dir).mkpath(QStringLiteral("logs"));
    QFile conf(dir + QStringLiteral("/conf/nginx.conf"));
    if (!conf.open(QIODevice::ReadOnly)) {
        return false;
    }
    QString text = QString::fromUtf8(conf.readAll());
    conf.close();
    text.replace(QStringLiteral("127.0.0.1:8080"), QStringLiteral("127.0.0.1:%1").arg(port));
    conf.setPermissions(conf.permissions() | QFileDevice::WriteOwner);
    return conf.open(QIODevice::WriteOnly | QIODevice::Truncate) && conf.write(text.toUtf8()) > 0;
}

quint64 currentId(QTreeView* view)
{
    return view->currentIndex().data(ui::IdRole).toULongLong();
}

} // namespace

class TestClientDock : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QFile::remove(ui::client::ClientStore::defaultPath()); // no history from other runs
    }

    void init()
    {
        QVERIFY(m_prefix.isValid());
        m_port = test::freePort();
        QDir(m_prefix.path()).removeRecursively();
        QVERIFY(QDir().mkpath(m_prefix.path()));
        QVERIFY(copyExample(m_prefix.path(), m_port));
    }

    void getAndPostLinkedToTheirRequests_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("json");       // the request body, or empty
        QTest::addColumn<QString>("expectedIn"); // a line of the pretty response
        QTest::newRow("GET") << QStringLiteral("GET") << QString()
                             << QStringLiteral("\"method\": \"GET\"");
        QTest::newRow("POST json")
            << QStringLiteral("POST") << QStringLiteral("{\"name\": \"restyscope\", \"n\": [1, 2]}")
            << QStringLiteral("\"name\": \"restyscope\"");
    }

    void getAndPostLinkedToTheirRequests()
    {
        QFETCH(QString, method);
        QFETCH(QString, json);
        QFETCH(QString, expectedIn);
        ui::EngineBridge bridge;
        QString error;
        QVERIFY2(bridge.start(m_prefix.path(), error), qPrintable(error));
        ui::MainWindow window(&bridge);
        window.show();
        auto* dock = window.clientDock();
        QVERIFY(dock);
        QVERIFY(dock->completions().contains(
            QStringLiteral("http://127.0.0.1:%1/api/echo").arg(m_port)));
        const int historyBefore = static_cast<int>(dock->store()->history().size());

        // ?delay=1: the answer is flushed, then the handler sleeps one second, so the
        // request is still alive in the Coroutines view when the link is followed.
        ClientRequest request;
        request.method = method;
        request.url = QStringLiteral("/api/echo");
        request.query = {{QStringLiteral("delay"), QStringLiteral("1")}};
        request.headers = {{QStringLiteral("X-Off"), QStringLiteral("1"), false},
                           {QStringLiteral("X-Demo"), QStringLiteral("yes")}};
        if (!json.isEmpty()) {
            request.bodyKind = BodyKind::Json;
            request.body = json;
        }
        dock->setRequest(request);
        QVERIFY(dock->request() == request);
        // GET follows the link by hand; POST with "Follow" on, which follows it by itself.
        auto* follow = dock->findChild<QCheckBox*>(QStringLiteral("followRuntime"));
        QVERIFY(follow);
        follow->setChecked(method == QLatin1String("POST"));
        QVERIFY(dock->send());
        auto* response = dock->responseView();
        QTRY_VERIFY_WITH_TIMEOUT(response->runtimeRequestId() != 0, 5000);
        const quint64 id = response->runtimeRequestId();
        QVERIFY2(response->statusText().contains(QLatin1String("200 OK")),
                 qPrintable(response->statusText()));

        auto* link = dock->findChild<QLabel*>(QStringLiteral("runtimeLink"));
        QVERIFY(link);
        QVERIFY(link->text().contains(QStringLiteral("request %1").arg(id)));
        if (!follow->isChecked()) {
            Q_EMIT link->linkActivated(QStringLiteral("runtime"));
        }

        auto* coroutines = window.findChild<QTreeView*>(QStringLiteral("coroutinesView"));
        auto* requests = window.findChild<QTreeView*>(QStringLiteral("requestsView"));
        auto* events = window.findChild<QTreeView*>(QStringLiteral("eventsView"));
        QVERIFY(coroutines && requests && events);
        // The Coroutines view shows the request once a snapshot has it (the handler sleeps).
        QTRY_COMPARE_WITH_TIMEOUT(currentId(coroutines), id, 3000);
        QVERIFY(!coroutines->currentIndex().parent().isValid()); // the request row
        QVERIFY2(coroutines->currentIndex().data().toString() ==
                     QStringLiteral("request %1: %2 /api/echo").arg(id).arg(method),
                 qPrintable(coroutines->currentIndex().data().toString()));
        QCOMPARE(currentId(requests), id);
        const auto selected =
            events->selectionModel()->selectedRows(ui::eventlogmodel::RequestColumn);
        QVERIFY(!selected.isEmpty());
        for (const auto& index : selected) {
            QCOMPARE(index.data(ui::SortRole).toULongLong(), id);
        }

        // The rest of the response; the body shows as pretty JSON.
        QTRY_VERIFY_WITH_TIMEOUT(!dock->sender()->busy(), 5000);
        QCOMPARE(response->bodyMode(), ui::client::BodyMode::Pretty);
        QVERIFY2(response->bodyText().contains(expectedIn), qPrintable(response->bodyText()));
        QVERIFY2(response->bodyText().contains(QLatin1String("\"delay\": \"1\"")),
                 qPrintable(response->bodyText()));
        QVERIFY2(response->statusText().contains(QLatin1String(" ms")),
                 qPrintable(response->statusText()));
        QCOMPARE(dock->store()->history().size(), historyBefore + 1);
        QCOMPARE(dock->store()->history().front().runtimeRequestId, id);
        QVERIFY(dock->store()->history().front().request == request);
        follow->setChecked(false);
        bridge.stop();
    }

    // Issue 19 bug 1: the URL field and the Params table are one state. Typing a new URL
    // without a query sends no query (the table used to keep a=1&b=2), and editing the table
    // rewrites the URL field, so the URL shown is the URL sent.
    void urlAndParamsAreOneState()
    {
        ui::EngineBridge bridge;
        QString error;
        QVERIFY2(bridge.start(m_prefix.path(), error), qPrintable(error));
        ui::MainWindow window(&bridge);
        window.show();
        auto* dock = window.clientDock();
        auto* url = dock->findChild<QLineEdit*>(QStringLiteral("clientUrl"));
        auto* params = dock->findChild<QTableWidget*>(QStringLiteral("clientQuery"));
        QVERIFY(url && params);
        auto typeUrl = [url](const QString& text) {
            url->setFocus();
            url->selectAll();
            QTest::keyClick(url, Qt::Key_Backspace);
            QTest::keyClicks(url, text);
        };
        auto sendAndWaitForArgs = [dock] {
            if (!dock->send()) {
                return QString();
            }
            if (!QTest::qWaitFor([dock] { return !dock->sender()->busy(); }, 5000)) {
                return QString();
            }
            const auto body = QJsonDocument::fromJson(dock->sender()->response().body).object();
            return QString::fromUtf8(QJsonDocument(body.value(QStringLiteral("args")).toObject())
                                         .toJson(QJsonDocument::Compact));
        };

        typeUrl(QStringLiteral("/api/echo?a=1&b=2"));
        QCOMPARE(params->rowCount(), 3); // a, b and the empty row to type a new one
        QCOMPARE(params->item(0, 0)->text(), QStringLiteral("a"));
        QCOMPARE(params->item(1, 1)->text(), QStringLiteral("2"));
        QCOMPARE(sendAndWaitForArgs(), QStringLiteral("{\"a\":\"1\",\"b\":\"2\"}"));
        QCOMPARE(url->text(), QStringLiteral("/api/echo?a=1&b=2")); // Send leaves it as typed

        typeUrl(QStringLiteral("/api/echo"));
        QCOMPARE(dock->request().query, QList<ui::client::KeyValue>{});
        QCOMPARE(sendAndWaitForArgs(), QStringLiteral("{}"));
        QCOMPARE(dock->store()->history().front().request.resolvedUrl(dock->baseUrl()),
                 dock->baseUrl().resolved(QUrl(QStringLiteral("/api/echo"))));

        typeUrl(QStringLiteral("/api/echo?who=me"));
        QCOMPARE(sendAndWaitForArgs(), QStringLiteral("{\"who\":\"me\"}"));

        // From the table's side: a new row and an unticked one rewrite the URL field.
        params->item(1, 0)->setText(QStringLiteral("n"));
        params->item(1, 1)->setText(QStringLiteral("5"));
        QCOMPARE(url->text(), QStringLiteral("/api/echo?who=me&n=5"));
        params->item(0, 0)->setCheckState(Qt::Unchecked);
        QCOMPARE(url->text(), QStringLiteral("/api/echo?n=5"));
        QCOMPARE(sendAndWaitForArgs(), QStringLiteral("{\"n\":\"5\"}"));
        // Editing the URL keeps the unticked row, which the URL cannot show.
        typeUrl(QStringLiteral("/api/echo?n=6"));
        QCOMPARE(params->item(0, 0)->text(), QStringLiteral("who"));
        QCOMPARE(params->item(0, 0)->checkState(), Qt::Unchecked);
        QCOMPARE(params->item(1, 1)->text(), QStringLiteral("6"));
        bridge.stop();
    }

    void pendingAndBurstWhilePaused()
    {
        ui::EngineBridge bridge;
        QString error;
        QVERIFY2(bridge.start(m_prefix.path(), error), qPrintable(error));
        ui::MainWindow window(&bridge);
        window.show();
        auto* dock = window.clientDock();
        auto* pause = window.findChild<QAction*>(QStringLiteral("actionPause"));
        auto* resume = window.findChild<QAction*>(QStringLiteral("actionContinue"));
        QVERIFY(dock && pause && resume);
        QTRY_VERIFY(pause->isEnabled());
        pause->trigger();
        QTRY_VERIFY(window.windowTitle().endsWith(QLatin1String("[paused]")));

        ClientRequest hello;
        hello.url = QStringLiteral("/api/hello");
        hello.query = {{QStringLiteral("name"), QStringLiteral("burst")}};
        dock->setRequest(hello);
        QVERIFY(dock->send());
        // Pending, with the time it waits and why; the window keeps running meanwhile.
        QTRY_VERIFY_WITH_TIMEOUT(
            dock->responseView()->statusText().contains(QLatin1String("engine is paused")), 5000);
        QVERIFY(dock->responseView()->statusText().contains(QLatin1String("pending")));
        QVERIFY(dock->sender()->busy());

        auto* burst = dock->burstRunner();
        QVERIFY(dock->runBurst(200, 20));
        QTest::qWait(1500);
        QVERIFY(burst->running());
        QCOMPARE(burst->done(), 0);
        QCOMPARE(burst->inFlight(), 20);
        QVERIFY2(dock->burstSummaryText().contains(QLatin1String("20 in flight")),
                 qPrintable(dock->burstSummaryText()));
        QVERIFY(dock->sender()->busy());

        QTRY_VERIFY(resume->isEnabled());
        resume->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(!burst->running(), 60000);
        const auto summary = burst->summary();
        QCOMPARE(summary.total, 200);
        QCOMPARE(summary.completed, 200);
        QCOMPARE(summary.failed, 0);
        QCOMPARE(summary.statusCounts, (QMap<int, int>{{200, 200}}));
        QVERIFY(summary.minMs > 0);
        QVERIFY(summary.minMs <= summary.medianMs);
        QVERIFY(summary.medianMs <= summary.p99Ms);
        QVERIFY(summary.p99Ms <= summary.maxMs);
        // The first 20 waited out the pause: the slowest took at least that long.
        QVERIFY2(summary.maxMs >= 1000, qPrintable(summary.text()));
        QVERIFY2(dock->burstSummaryText().contains(QStringLiteral("200 \u00d7200")),
                 qPrintable(dock->burstSummaryText()));
        QVERIFY2(dock->burstSummaryText().contains(QLatin1String("p99")),
                 qPrintable(dock->burstSummaryText()));
        qInfo("burst of 200, 20 in flight: %s", qPrintable(summary.text()));

        QTRY_VERIFY_WITH_TIMEOUT(!dock->sender()->busy(), 5000);
        QCOMPARE(dock->responseView()->bodyText(), QStringLiteral("hello, burst\n"));
        bridge.stop();
    }

    void aThousandInFlight()
    {
        // Both ends of 1000 connections live in this process.
        rlimit files{};
        getrlimit(RLIMIT_NOFILE, &files);
        if (files.rlim_max < 4096) {
            QSKIP("needs 4096 open files (ulimit -Hn)");
        }
        files.rlim_cur = std::max<rlim_t>(files.rlim_cur, 4096);
        QCOMPARE(setrlimit(RLIMIT_NOFILE, &files), 0);
        QFile conf(m_prefix.filePath(QStringLiteral("conf/nginx.conf")));
        QVERIFY(conf.open(QIODevice::WriteOnly | QIODevice::Truncate));
        conf.write(QStringLiteral("events { worker_connections 4096; }\nhttp {\n"
                                  "  server { listen 127.0.0.1:%1;\n"
                                  "    location /t { content_by_lua_block { ngx.say('ok') } }\n"
                                  "  }\n}\n")
                       .arg(m_port)
                       .toUtf8());
        conf.close();
        ui::EngineBridge bridge;
        QString error;
        QVERIFY2(bridge.start(m_prefix.path(), error), qPrintable(error));
        ui::MainWindow window(&bridge);
        auto* dock = window.clientDock();
        auto* pause = window.findChild<QAction*>(QStringLiteral("actionPause"));
        auto* resume = window.findChild<QAction*>(QStringLiteral("actionContinue"));
        QTRY_VERIFY(pause->isEnabled());
        pause->trigger();
        QTRY_VERIFY(window.windowTitle().endsWith(QLatin1String("[paused]")));
        ClientRequest t;
        t.url = QStringLiteral("/t");
        dock->setRequest(t);
        auto* burst = dock->burstRunner();
        QVERIFY(dock->runBurst(3000, 1000));
        // All 1000 reach the engine and wait there: none completes while it is paused.
        QTest::qWait(3000);
        QCOMPARE(burst->inFlight(), 1000);
        QCOMPARE(burst->done(), 0);
        resume->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(!burst->running(), 120000);
        const auto summary = burst->summary();
        QCOMPARE(summary.statusCounts, (QMap<int, int>{{200, 3000}}));
        QCOMPARE(summary.failed, 0);
        qInfo("burst of 3000, 1000 in flight: %s", qPrintable(summary.text()));
        bridge.stop();
    }

    void ctrlEnterSends()
    {
        ui::EngineBridge bridge;
        QString error;
        QVERIFY2(bridge.start(m_prefix.path(), error), qPrintable(error));
        ui::MainWindow window(&bridge);
        window.show();
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        auto* dock = window.clientDock();
        ClientRequest hello;
        hello.url = QStringLiteral("/api/hello");
        hello.query = {{QStringLiteral("name"), QStringLiteral("keys")}};
        dock->setRequest(hello);
        // From the Params table, not the URL field: the shortcut works in the whole window.
        auto* table = dock->findChild<QWidget*>(QStringLiteral("clientQuery"));
        QVERIFY(table);
        table->setFocus();
        QTest::keyClick(table, Qt::Key_Return, Qt::ControlModifier);
        QVERIFY(dock->sender()->busy());
        QTRY_COMPARE_WITH_TIMEOUT(dock->responseView()->bodyText(), QStringLiteral("hello, keys\n"),
                                  5000);
        // HEAD: the head alone, even where the GET answer has a length.
        hello.method = QStringLiteral("HEAD");
        hello.url = QStringLiteral("/");
        hello.query.clear();
        dock->setRequest(hello);
        QVERIFY(dock->send());
        QTRY_VERIFY_WITH_TIMEOUT(!dock->sender()->busy(), 5000);
        QCOMPARE(dock->sender()->response().status, 200);
        QCOMPARE(dock->sender()->response().body, QByteArray());
        bridge.stop();
    }

    void bodyFormats()
    {
        using ui::client::BodyMode;
        using ui::client::ResponseView;
        const QByteArray json("{\"a\":[1,true],\"b\":\"x\"}");
        QCOMPARE(ResponseView::preferredMode(json, "text/plain"), BodyMode::Pretty);
        QCOMPARE(ResponseView::preferredMode("plain words", "text/plain"), BodyMode::Raw);
        QCOMPARE(ResponseView::preferredMode("{\"cut\": ", "application/json"), BodyMode::Pretty);
        QCOMPARE(ResponseView::preferredMode(QByteArray("\x89PNG\r\n\x1a\n\0\0", 10), ""),
                 BodyMode::Hex);
        QCOMPARE(ResponseView::formatBody(json, BodyMode::Pretty),
                 QStringLiteral("{\n    \"a\": [\n        1,\n        true\n    ],\n"
                                "    \"b\": \"x\"\n}\n"));
        QCOMPARE(ResponseView::formatBody(json, BodyMode::Raw), QString::fromLatin1(json));
        // Not JSON in Pretty: the text as it is.
        QCOMPARE(ResponseView::formatBody("{\"cut\": ", BodyMode::Pretty),
                 QStringLiteral("{\"cut\": "));
        QCOMPARE(ResponseView::formatBody(QByteArray("AB\0\xff"
                                                     "0123456789abcdefXY",
                                                     22),
                                          BodyMode::Hex),
                 QStringLiteral("00000000  41 42 00 ff 30 31 32 33  34 35 36 37 38 39 61 62  "
                                "|AB..0123456789ab|\n"
                                "00000010  63 64 65 66 58 59                                 "
                                "|cdefXY|\n"));
    }

    void cancelAndBadInput()
    {
        ui::EngineBridge bridge;
        QString error;
        QVERIFY2(bridge.start(m_prefix.path(), error), qPrintable(error));
        ui::MainWindow window(&bridge);
        auto* dock = window.clientDock();
        ClientRequest bad;
        bad.method = QStringLiteral("POST");
        bad.url = QStringLiteral("/api/echo");
        bad.bodyKind = BodyKind::Json;
        bad.body = QStringLiteral("{\"a\": ");
        dock->setRequest(bad);
        QVERIFY(!dock->send()); // invalid JSON never leaves
        auto* message = dock->findChild<QLabel*>(QStringLiteral("clientMessage"));
        QVERIFY(message && message->text().contains(QLatin1String("invalid JSON")));

        auto* pause = window.findChild<QAction*>(QStringLiteral("actionPause"));
        QTRY_VERIFY(pause->isEnabled());
        pause->trigger();
        ClientRequest slow;
        slow.url = QStringLiteral("/api/hello");
        dock->setRequest(slow);
        QVERIFY(dock->send());
        QTest::qWait(300);
        QVERIFY(dock->sender()->busy());
        dock->cancel();
        QVERIFY(!dock->sender()->busy());
        QVERIFY(dock->sender()->response().cancelled);
        QCOMPARE(dock->store()->history().front().status, 0);
        bridge.stop();
    }

private:
    QTemporaryDir m_prefix;
    quint16 m_port = 0;
};

QTEST_MAIN(TestClientDock)
#include "tst_clientdock.moc"
