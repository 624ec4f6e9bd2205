// The built-in client's core without widgets: curl import of a table of command lines and
// the export -> import round trip of each, the history and collections file surviving a
// restart (a new store on the same file), the client's two models under
// QAbstractItemModelTester, URL/query building, path completion from the example's conf and
// Lua files, and the burst percentiles.

#include "ui/client/burstrunner.h"
#include "ui/client/clientmodels.h"
#include "ui/client/clientstore.h"
#include "ui/client/curlcommand.h"
#include "ui/client/pathcandidates.h"
#include "ui/client/requestsender.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace restyscope::ui::client;

Q_DECLARE_METATYPE(restyscope::ui::client::ClientRequest)

namespace {

QString describe(const ClientRequest& r)
{
    QStringList parts{r.method, r.url, bodyKindName(r.bodyKind), r.body};
    for (const auto& q : r.query) {
        parts << QStringLiteral("q:") + q.name + QLatin1Char('=') + q.value;
    }
    for (const auto& h : r.headers) {
        parts << QStringLiteral("h:") + h.name + QLatin1Char('=') + h.value;
    }
    for (const auto& f : r.form) {
        parts << QStringLiteral("f:") + f.name + QLatin1Char('=') + f.value;
    }
    return parts.join(QStringLiteral(" | "));
}

ClientRequest make(const char* method, const char* url)
{
    ClientRequest r;
    r.method = QString::fromLatin1(method);
    r.url = QString::fromLatin1(url);
    return r;
}

KeyValue kv(const char* name, const QString& value)
{
    return {QString::fromLatin1(name), value};
}

} // namespace

class TestClientCore : public QObject
{
    Q_OBJECT

private slots:
    void curlImport_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<ClientRequest>("expected");
        const QString base = QStringLiteral("http://127.0.0.1:8080");

        QTest::newRow("plain get") << QStringLiteral("curl http://127.0.0.1:8080/api/hello")
                                   << make("GET", "http://127.0.0.1:8080/api/hello");
        {
            auto r = make("POST", "http://127.0.0.1:8080/api/echo");
            r.bodyKind = BodyKind::Json;
            r.body = QStringLiteral("{\"a\": [1, 2], \"b\": \"x y\"}");
            QTest::newRow("-X -H -d json")
                << QStringLiteral("curl -X POST -H 'Content-Type: application/json' "
                                  "-d '{\"a\": [1, 2], \"b\": \"x y\"}' %1/api/echo")
                       .arg(base)
                << r;
        }
        {
            auto r = make("GET", "http://127.0.0.1:8080/x");
            r.query = {kv("a", QStringLiteral("1")), kv("b", QStringLiteral("x y"))};
            r.headers = {kv("X-A", QStringLiteral("1")), kv("X-B", QStringLiteral("two words"))};
            QTest::newRow("-H and a query")
                << QStringLiteral("curl -H \"X-A: 1\" -H 'X-B: two words' '%1/x?a=1&b=x%20y'")
                       .arg(base)
                << r;
        }
        {
            auto r = make("GET", "http://127.0.0.1:8080/search");
            r.query = {kv("q", QStringLiteral("hello world")), kv("lang", QStringLiteral("lua&c"))};
            QTest::newRow("-G --data-urlencode")
                << QStringLiteral("curl -G --data-urlencode 'q=hello world' "
                                  "--data-urlencode 'lang=lua&c' %1/search")
                       .arg(base)
                << r;
        }
        {
            auto r = make("GET", "http://127.0.0.1:8080/x");
            r.query = {kv("c", QStringLiteral("3")), kv("a", QStringLiteral("1")),
                       kv("b", QStringLiteral("2"))};
            QTest::newRow("-G -d appends to the query")
                << QStringLiteral("curl -G -d a=1 -d b=2 '%1/x?c=3'").arg(base) << r;
        }
        {
            auto r = make("POST", "http://127.0.0.1:8080/form");
            r.bodyKind = BodyKind::Form;
            r.form = {kv("name", QStringLiteral("a b")), kv("sum", QStringLiteral("1+1=2"))};
            QTest::newRow("--data-urlencode form")
                << QStringLiteral("curl --data-urlencode 'name=a b' --data-urlencode "
                                  "'sum=1+1=2' %1/form")
                       .arg(base)
                << r;
        }
        {
            auto r = make("POST", "http://127.0.0.1:8080/p");
            r.bodyKind = BodyKind::Raw;
            r.body = QStringLiteral("a=1&b=2");
            QTest::newRow("-d -d joined")
                << QStringLiteral("curl -d a=1 -d 'b=2' %1/p").arg(base) << r;
        }
        {
            auto r = make("PUT", "http://127.0.0.1:8080/q");
            r.headers = {kv("Content-Type", QStringLiteral("text/plain"))};
            r.bodyKind = BodyKind::Raw;
            r.body = QStringLiteral("it's \"quoted\" $HOME\nsecond line");
            QTest::newRow("--data-binary quoting")
                << QStringLiteral("curl -XPUT -H'Content-Type: text/plain' --data-binary "
                                  "\"it's \\\"quoted\\\" \\$HOME\n\"'second line' %1/q")
                       .arg(base)
                << r;
        }
        {
            auto r = make("GET", "http://127.0.0.1:8080/private");
            r.headers = {kv("Authorization", QStringLiteral("Basic YWxpY2U6czNjcmV0"))};
            QTest::newRow("-u") << QStringLiteral("curl -u alice:s3cret %1/private").arg(base) << r;
        }
        QTest::newRow("continuation lines")
            << QStringLiteral("curl \\\n  -X DELETE \\\n  '%1/item/7'").arg(base)
            << make("DELETE", "http://127.0.0.1:8080/item/7");
        QTest::newRow("-sSI head")
            << QStringLiteral("curl -sSI %1/").arg(base) << make("HEAD", "http://127.0.0.1:8080/");
        {
            auto r = make("PATCH", "http://127.0.0.1:8080/j");
            r.headers = {kv("Content-Type", QStringLiteral("application/json; charset=utf-8"))};
            r.bodyKind = BodyKind::Json;
            r.body = QStringLiteral("{\"quote\":\"it's\"}");
            QTest::newRow("json with a charset and an escaped quote")
                << QStringLiteral("curl --request PATCH --header 'Content-Type: application/json; "
                                  "charset=utf-8' --data-raw '{\"quote\":\"it'\\''s\"}' %1/j")
                       .arg(base)
                << r;
        }
    }

    void curlImport()
    {
        QFETCH(QString, command);
        QFETCH(ClientRequest, expected);
        QString error;
        const auto imported = fromCurl(command, error);
        QVERIFY2(imported, qPrintable(error));
        QCOMPARE(describe(*imported), describe(expected));
        QVERIFY(*imported == expected);

        // Export, then import again: the same request.
        const QString exported = toCurl(*imported, QUrl(QStringLiteral("http://127.0.0.1:8080/")));
        const auto again = fromCurl(exported, error);
        QVERIFY2(again, qPrintable(exported + QStringLiteral(": ") + error));
        QCOMPARE(describe(*again), describe(expected));
        QVERIFY2(*again == expected, qPrintable(exported));
    }

    void curlErrors_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("error");
        QTest::newRow("quote") << QStringLiteral("curl 'http://a/") << QStringLiteral("unbalanced");
        QTest::newRow("not curl") << QStringLiteral("wget http://a/")
                                  << QStringLiteral("not a curl");
        QTest::newRow("option") << QStringLiteral("curl -F a=b http://a/")
                                << QStringLiteral("unsupported curl option: -F");
        QTest::newRow("file") << QStringLiteral("curl -d @body.json http://a/")
                              << QStringLiteral("@FILE");
        QTest::newRow("no url") << QStringLiteral("curl -X POST") << QStringLiteral("no URL");
        QTest::newRow("no value") << QStringLiteral("curl http://a/ -H")
                                  << QStringLiteral("needs a value");
    }

    void curlErrors()
    {
        QFETCH(QString, command);
        QFETCH(QString, error);
        QString message;
        QVERIFY(!fromCurl(command, message));
        QVERIFY2(message.contains(error), qPrintable(message));
    }

    void resolvedUrl()
    {
        ClientRequest r = make("GET", "/api/hello");
        r.query = {kv("name", QStringLiteral("a b&c")),
                   kv("flag", QString()),
                   {QStringLiteral("off"), QStringLiteral("1"), false}};
        QCOMPARE(r.resolvedUrl(QUrl(QStringLiteral("http://127.0.0.1:9000/")))
                     .toString(QUrl::FullyEncoded),
                 QStringLiteral("http://127.0.0.1:9000/api/hello?name=a%20b%26c&flag"));
        QCOMPARE(decodeQuery(QStringLiteral("a=1+2&b=%2B&c")),
                 (QList<KeyValue>{kv("a", QStringLiteral("1 2")), kv("b", QStringLiteral("+")),
                                  kv("c", QString())}));
        ClientRequest json = make("POST", "/x");
        json.bodyKind = BodyKind::Json;
        json.body = QStringLiteral("{\"a\": }");
        QVERIFY(json.bodyError().contains(QLatin1String("offset")));
        json.body = QStringLiteral("[1]");
        QCOMPARE(json.bodyError(), QString());
        QCOMPARE(json.effectiveHeaders().value(0).value, QStringLiteral("application/json"));
    }

    void urlAndParamsMerge()
    {
        const KeyValue off{QStringLiteral("off"), QStringLiteral("1"), false};
        // The URL's query replaces the enabled rows; an unticked row stays where it was.
        QCOMPARE(mergeQueryRows({kv("a", QStringLiteral("1")), off, kv("b", QStringLiteral("2"))},
                                decodeQuery(QStringLiteral("who=me"))),
                 (QList<KeyValue>{kv("who", QStringLiteral("me")), off}));
        QCOMPARE(mergeQueryRows({kv("a", QStringLiteral("1"))}, {}), QList<KeyValue>{});
        QCOMPARE(mergeQueryRows({off}, decodeQuery(QStringLiteral("x=1&y"))),
                 (QList<KeyValue>{off, kv("x", QStringLiteral("1")), kv("y", QString())}));
        ClientRequest r = make("GET", "/api/greet");
        r.query = {kv("who", QStringLiteral("me")), off};
        QCOMPARE(urlWithQuery(r), QStringLiteral("/api/greet?who=me"));
        r.query = {off};
        QCOMPARE(urlWithQuery(r), QStringLiteral("/api/greet"));
    }

    void historySurvivesRestart()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("data/client.json"));
        ClientRequest post = make("POST", "/api/echo");
        post.bodyKind = BodyKind::Json;
        post.body = QStringLiteral("{\"n\": 1}");
        post.headers = {kv("X-Trace", QStringLiteral("yes")),
                        {QStringLiteral("X-Off"), QStringLiteral("1"), false}};
        ClientRequest form = make("PUT", "http://127.0.0.1:8080/f");
        form.bodyKind = BodyKind::Form;
        form.form = {kv("a", QStringLiteral("1"))};
        const QDateTime sent =
            QDateTime::fromString(QStringLiteral("2026-11-27T10:00:00.123Z"), Qt::ISODateWithMs);
        {
            ClientStore store(path);
            HistoryModel history(&store);
            CollectionsModel collections(&store);
            QAbstractItemModelTester historyTester(
                &history, QAbstractItemModelTester::FailureReportingMode::QtTest);
            QAbstractItemModelTester collectionsTester(
                &collections, QAbstractItemModelTester::FailureReportingMode::QtTest);
            store.addHistory({make("GET", "/api/hello"), sent, 200, 1.5, 7});
            store.addHistory({post, sent.addSecs(1), 500, 12.25, 8});
            store.addHistory({form, sent.addSecs(2), 0, 3, 0});
            store.removeHistory(0);
            store.saveRequest(QStringLiteral("Smoke"), QStringLiteral("echo"), post);
            store.saveRequest(QStringLiteral("Smoke"), QString(), make("GET", "/api/threads"));
            store.duplicateRequest(0, 0);
            store.saveRequest(QStringLiteral("Other"), QStringLiteral("form"), form);
            store.removeRequest(0, 2);
            QCOMPARE(store.saveError(), QString());
            QCOMPARE(history.rowCount(), 2);
            QCOMPARE(history.index(0, historymodel::UrlColumn).data().toString(),
                     QStringLiteral("/api/echo"));
            QCOMPARE(collections.rowCount(), 2);
            QCOMPARE(collections.rowCount(collections.index(0, 0)), 2);
        }
        ClientStore reopened(path);
        QCOMPARE(reopened.loadError(), QString());
        QCOMPARE(reopened.history().size(), 2);
        QVERIFY(reopened.history().at(0).request == post);
        QCOMPARE(reopened.history().at(0).status, 500);
        QCOMPARE(reopened.history().at(0).ms, 12.25);
        QCOMPARE(reopened.history().at(0).runtimeRequestId, quint64(8));
        QCOMPARE(reopened.history().at(0).sentAt, sent.addSecs(1));
        QVERIFY(reopened.history().at(1).request == make("GET", "/api/hello"));
        QStringList saved;
        for (const auto& collection : reopened.collections()) {
            for (const auto& request : collection.requests) {
                saved << collection.name + QLatin1Char('/') + request.name + QLatin1Char(' ') +
                             describe(request.request);
            }
        }
        QCOMPARE(saved, (QStringList{
                            QStringLiteral("Smoke/echo ") + describe(post),
                            QStringLiteral("Smoke/echo copy ") + describe(post),
                            QStringLiteral("Other/form ") + describe(form),
                        }));
        CollectionsModel collections(&reopened);
        QAbstractItemModelTester tester(&collections,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(collections.index(1, 0, collections.index(0, 0)).data().toString(),
                 QStringLiteral("echo copy"));
    }

    void unreadableFileIsReported()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("client.json"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{not json");
        file.close();
        ClientStore store(path);
        QVERIFY(store.loadError().contains(QLatin1String("not a client file")));
        QVERIFY(store.history().isEmpty());
    }

    void pathCompletion()
    {
        const QString example = QStringLiteral(RESTYSCOPE_SOURCE_DIR "/resources/example");
        const QStringList paths = pathCandidates(example);
        QCOMPARE(paths,
                 (QStringList{QStringLiteral("/"), QStringLiteral("/api/addition"),
                              QStringLiteral("/api/broken"), QStringLiteral("/api/counter"),
                              QStringLiteral("/api/echo"), QStringLiteral("/api/hello"),
                              QStringLiteral("/api/substraction"), QStringLiteral("/api/threads"),
                              QStringLiteral("/api/visits")}));
        const QString conf =
            QStringLiteral("http { server { location = /exact { } location ^~ /static/ { }\n"
                           "# location /commented { }\n"
                           "location ~* ^/V1/(\\w+)$ { } location @named { } } }");
        QCOMPARE(pathCandidates(
                     conf, {QStringLiteral("lua/users.lua"), QStringLiteral("lua/deep/x.lua")}),
                 (QStringList{QStringLiteral("/exact"), QStringLiteral("/static/"),
                              QStringLiteral("/V1/users"), QStringLiteral("/V1/x")}));
    }

    void percentiles()
    {
        std::vector<double> values;
        for (int i = 1; i <= 200; ++i) {
            values.push_back(i);
        }
        QCOMPARE(percentile(values, 50), 100.0);
        QCOMPARE(percentile(values, 99), 198.0);
        QCOMPARE(percentile(values, 100), 200.0);
        QCOMPARE(percentile({4.0}, 99), 4.0);
        QCOMPARE(percentile({}, 50), 0.0);
        BurstRunner runner;
        QString error;
        QVERIFY(!runner.start(make("GET", "/"), QUrl(QStringLiteral("http://127.0.0.1:1/")), 10,
                              1001, error));
        QVERIFY(error.contains(QLatin1String("1000")));
    }

    // One duration format for the history, the response line and the burst summary.
    void durations()
    {
        QCOMPARE(durationText(3.4159), QStringLiteral("3.42 ms"));
        QCOMPARE(durationText(12.34), QStringLiteral("12.3 ms"));
        BurstSummary summary;
        summary.total = 4;
        summary.completed = 2;
        summary.failed = 1;
        summary.statusCounts = {{200, 2}};
        summary.errorCounts = {{QStringLiteral("refused"), 1}};
        summary.minMs = 1.234;
        summary.medianMs = 2;
        summary.p99Ms = 9.999;
        summary.maxMs = 12.34;
        summary.wallMs = 100;
        QCOMPARE(
            summary.text(),
            QStringLiteral("3 of 4 requests: 200 \u00d72, refused \u00d71; latency min 1.23 ms, "
                           "median 2.00 ms, p99 10.00 ms, max 12.3 ms; 30 req/s over 100.0 ms"));
    }

    // The sender and the burst runner refuse the same requests with the same words.
    void sendableUrl()
    {
        const QUrl base(QStringLiteral("http://127.0.0.1:9000/"));
        QString error;
        QCOMPARE(make("GET", "/api/x").sendableUrl(base, error),
                 QUrl(QStringLiteral("http://127.0.0.1:9000/api/x")));
        QCOMPARE(error, QString());
        QVERIFY(make("GET", "ftp://127.0.0.1/x").sendableUrl(base, error).isEmpty());
        QCOMPARE(error, QStringLiteral("not an http URL: ftp://127.0.0.1/x"));
        ClientRequest json = make("POST", "/x");
        json.bodyKind = BodyKind::Json;
        json.body = QStringLiteral("{");
        QVERIFY(json.sendableUrl(base, error).isEmpty());
        QVERIFY2(error.startsWith(QLatin1String("invalid JSON at offset")), qPrintable(error));
        for (const ClientRequest& bad : {make("GET", "ftp://127.0.0.1/x"), json}) {
            QString expected;
            bad.sendableUrl(base, expected);
            BurstRunner runner;
            QVERIFY(!runner.start(bad, base, 1, 1, error));
            QCOMPARE(error, expected);
            RequestSender sender;
            QVERIFY(!sender.send(bad, base, error));
            QCOMPARE(error, expected);
            QVERIFY(!runner.running());
        }
    }
};

QTEST_MAIN(TestClientCore)
#include "tst_clientcore.moc"
