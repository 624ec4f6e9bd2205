// The conformance harness's own pieces, without servers: the case format, request
// encoding, normalization, log entries and the diff.

#include "casefile.h"
#include "comparison.h"

#include <QTemporaryDir>
#include <QTest>

using namespace restyscope::conformance;

namespace {

bool parseText(const QString& text, Case* c, QString* error)
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("x.case"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("cannot write temp file");
        return false;
    }
    file.write(text.toUtf8());
    file.close();
    return parseCase(path, QStringLiteral("t/x"), c, error);
}

Substitutions subst()
{
    return {{40001, 40002}, QStringLiteral("/tmp/pfx")};
}

} // namespace

class TestCaseFile : public QObject
{
    Q_OBJECT

private slots:
    void encode_data();
    void encode();
    void badCase_data();
    void badCase();
    void connections();
    void filesBetweenRequests();
    void normalize_data();
    void normalize();
    void logEntries();
    void diff();
};

void TestCaseFile::encode_data()
{
    QTest::addColumn<QString>("caseText");
    QTest::addColumn<int>("request");
    QTest::addColumn<QByteArray>("bytes");

    const QString server = QStringLiteral("=== server\nlocation / { return 200; }\n");
    QTest::newRow("shorthand")
        << server + QStringLiteral("=== request\nGET /t\n") << 1
        << QByteArray("GET /t HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    QTest::newRow("shorthand-keeps-given-headers")
        << server + QStringLiteral("=== request\nGET /t\nHost: h\nConnection: keep-alive\n") << 1
        << QByteArray("GET /t HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n");
    QTest::newRow("shorthand-not-last-on-connection")
        << server + QStringLiteral("=== request conn=a\nGET /1\n=== request conn=a\nGET /2\n") << 1
        << QByteArray("GET /1 HTTP/1.1\r\nHost: localhost\r\n\r\n");
    QTest::newRow("shorthand-body-gets-length")
        << server + QStringLiteral("=== request\nPOST /p\n\nab\ncd\n") << 1
        << QByteArray("POST /p HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                      "Content-Length: 6\r\n\r\nab\r\ncd");
    QTest::newRow("full-form-as-written")
        << server + QStringLiteral("=== request\nGET / HTTP/1.0\n") << 1
        << QByteArray("GET / HTTP/1.0\r\n\r\n");
    QTest::newRow("full-form-body-no-final-crlf")
        << server + QStringLiteral("=== request\nPOST / HTTP/1.1\nTransfer-Encoding: chunked\n\n"
                                   "1\nx\n0\\r\\n\\r\\n\n\n\n")
        << 1
        << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n");
    QTest::newRow("raw") << server + QStringLiteral(
                                         "=== request raw\nGET / HTTP/1.1\\r\\n\nHost: a\\r\\n\n")
                         << 1 << QByteArray("GET / HTTP/1.1\r\nHost: a\r\n");
    QTest::newRow("raw-empty") << server + QStringLiteral("=== request raw\n") << 1 << QByteArray();
    QTest::newRow("escapes") << server + QStringLiteral("=== request raw\n\\x41\\0\\t\\\\\\q\\{\n")
                             << 1 << QByteArray("A\0\t\\\\q{", 7);
    QTest::newRow("repeat") << server + QStringLiteral(
                                            "=== request raw\n/{{3*ab}}/{{2*\\x41}}\\{{2*x}}\n")
                            << 1 << QByteArray("/ababab/AA{{2*x}}");
    QTest::newRow("placeholders") << server + QStringLiteral(
                                                  "=== request raw\n@PORT@ @PORT2@ @PREFIX@\n")
                                  << 1 << QByteArray("40001 40002 /tmp/pfx");
    QTest::newRow("leading-blank-lines-dropped")
        << server + QStringLiteral("=== request\n\n\nGET / HTTP/1.1\n") << 1
        << QByteArray("GET / HTTP/1.1\r\n\r\n");
    QTest::newRow("escaped-section-marker")
        << server + QStringLiteral("=== request raw\n\\=== x\n") << 1 << QByteArray("=== x");
}

void TestCaseFile::encode()
{
    QFETCH(QString, caseText);
    QFETCH(int, request);
    QFETCH(QByteArray, bytes);
    Case c;
    QString error;
    QVERIFY2(parseText(caseText, &c, &error), qPrintable(error));
    QCOMPARE(encodeRequest(c.requests.at(request - 1), subst()), bytes);
}

void TestCaseFile::badCase_data()
{
    QTest::addColumn<QString>("caseText");
    QTest::addColumn<QString>("message");

    const QString server = QStringLiteral("=== server\nlocation / { return 200; }\n");
    QTest::newRow("unknown-section") << server + QStringLiteral("=== requests\nGET /\n")
                                     << QStringLiteral("x.case:3: unknown section \"requests\"");
    QTest::newRow("unknown-option") << server + QStringLiteral("=== request slow\nGET /\n")
                                    << QStringLiteral("unknown request option \"slow\"");
    QTest::newRow("bad-option-value") << server + QStringLiteral("=== request split=0\nGET /\n")
                                      << QStringLiteral("bad value in request option");
    QTest::newRow("assert-first") << server + QStringLiteral("=== assert\nstatus 200\n")
                                  << QStringLiteral("=== assert must follow a request");
    QTest::newRow("unknown-assertion")
        << server + QStringLiteral("=== request\nGET /\n=== assert\nstatuz 200\n")
        << QStringLiteral("unknown assertion \"statuz 200\"");
    QTest::newRow("no-requests") << server << QStringLiteral("at least one === request");
    QTest::newRow("no-server") << QStringLiteral("=== request\nGET /\n")
                               << QStringLiteral("no === server section");
    QTest::newRow("pipeline-at-end") << server + QStringLiteral("=== request pipeline\nGET /\n")
                                     << QStringLiteral("cannot be pipelined");
    QTest::newRow("file-after-last")
        << server + QStringLiteral("=== request\nGET /\n=== file a.lua\nx\n")
        << QStringLiteral("after the last request");
    QTest::newRow("file-outside-prefix") << server + QStringLiteral("=== file ../a\nx\n")
                                         << QStringLiteral("relative path inside the prefix");
    QTest::newRow("bad-regex") << server + QStringLiteral(
                                               "=== request\nGET /\n=== compare_log\n(unclosed\n")
                               << QStringLiteral("bad regex \"(unclosed\"");
    QTest::newRow("startup-error-with-request")
        << server + QStringLiteral("=== startup_error\n=== request\nGET /\n")
        << QStringLiteral("sends no requests");
}

void TestCaseFile::badCase()
{
    QFETCH(QString, caseText);
    QFETCH(QString, message);
    Case c;
    QString error;
    QVERIFY(!parseText(caseText, &c, &error));
    QVERIFY2(error.contains(message), qPrintable(error));
}

void TestCaseFile::connections()
{
    Case c;
    QString error;
    QVERIFY2(parseText(QStringLiteral("=== server\nx;\n"
                                      "=== request conn=a\nGET /1\n"
                                      "=== request\nGET /2\n"
                                      "=== request pipeline\nGET /3\n"
                                      "=== request\nGET /4\n"
                                      "=== request conn=a\nGET /5\n"),
                       &c, &error),
             qPrintable(error));
    QList<int> ids;
    QList<bool> last;
    for (const Request& r : std::as_const(c.requests)) {
        ids.append(r.connection);
        last.append(r.lastOnConnection);
    }
    QCOMPARE(ids, (QList<int>{0, 1, 2, 2, 0}));
    QCOMPARE(last, (QList<bool>{false, true, false, true, true}));
    QCOMPARE(c.requests.at(2).label(), QStringLiteral("3 GET /3"));
}

void TestCaseFile::filesBetweenRequests()
{
    Case c;
    QString error;
    QVERIFY2(parseText(QStringLiteral("=== server\nx;\n=== file lua/a.lua\nv1\n"
                                      "=== request\nGET /\n=== file lua/a.lua\nv2\n\n\n"
                                      "=== request\nGET /\n=== headers\n-Location Server? Date\n"),
                       &c, &error),
             qPrintable(error));
    QCOMPARE(c.files.size(), 2);
    QCOMPARE(c.files.at(0).beforeRequest, 1);
    QCOMPARE(c.files.at(1).beforeRequest, 2);
    QCOMPARE(c.files.at(1).content, QByteArray("v2\n"));
    QStringList rules;
    for (const HeaderRule& rule : std::as_const(c.headers)) {
        rules.append(rule.name + (rule.presenceOnly ? QStringLiteral("?") : QString()));
    }
    QCOMPARE(rules, (QStringList{QStringLiteral("content-type"), QStringLiteral("content-length?"),
                                 QStringLiteral("transfer-encoding"), QStringLiteral("connection"),
                                 QStringLiteral("server?"), QStringLiteral("date")}));
}

void TestCaseFile::normalize_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("port") << QByteArray("http://h:40001/x") << QByteArray()
                          << QByteArray("http://h:@PORT@/x");
    QTest::newRow("second-port") << QByteArray("40002") << QByteArray() << QByteArray("@PORT2@");
    QTest::newRow("digits-around-kept")
        << QByteArray("140001 400012") << QByteArray() << QByteArray("140001 400012");
    QTest::newRow("prefix") << QByteArray("open() \"/tmp/pfx/html/a\"") << QByteArray()
                            << QByteArray("open() \"@PREFIX@/html/a\"");
    QTest::newRow("server-token") << QByteArray("<center>nginx/1.22.1</center>")
                                  << QByteArray("nginx/1.22.1")
                                  << QByteArray("<center>@SERVER@</center>");
}

void TestCaseFile::normalize()
{
    QFETCH(QByteArray, text);
    QFETCH(QByteArray, token);
    QFETCH(QByteArray, expected);
    const Normalizer normalizer{{40001, 40002}, QStringLiteral("/tmp/pfx")};
    QCOMPARE(normalizer.apply(text, token), expected);
}

void TestCaseFile::logEntries()
{
    const QByteArray log =
        "2024/01/02 03:04:05 [notice] 11#11: using the \"epoll\" event method\n"
        "2024/01/02 03:04:06 [error] 11#11: *7 lua entry thread aborted: boom\n"
        "stack traceback:\n"
        "\tcontent_by_lua(nginx.conf:17): in main chunk, client: 127.0.0.1, server: "
        "127.0.0.1:40001\n"
        "2024/01/02 03:04:07 [warn] 11#11: no connection here in /tmp/pfx/conf/x\n"
        "2024/01/02 03:04:08 [notice] 11#11: signal 15 (SIGTERM) received from 9, exiting\n";
    const Normalizer normalizer{{40001}, QStringLiteral("/tmp/pfx")};
    QCOMPARE(restyscope::conformance::logEntries(log, normalizer),
             (QStringList{QStringLiteral("[error] *N lua entry thread aborted: boom\n"
                                         "stack traceback:\n"
                                         "\tcontent_by_lua(nginx.conf:17): in main chunk, "
                                         "client: 127.0.0.1, server: 127.0.0.1:@PORT@"),
                          QStringLiteral("[warn] no connection here in @PREFIX@/conf/x")}));
    QCOMPARE(firstEmerg("nginx: [emerg] unknown directive \"x\" in /tmp/pfx/conf/nginx.conf:3\n",
                        normalizer),
             QStringLiteral("[emerg] unknown directive \"x\" in @PREFIX@/conf/nginx.conf:3"));
    QCOMPARE(firstEmerg("2024/01/02 03:04:05 [emerg] 5#5: bad\n", normalizer),
             QStringLiteral("[emerg] bad"));
}

void TestCaseFile::diff()
{
    const QStringList a{QStringLiteral("status: 200"), QStringLiteral("body: a"),
                        QStringLiteral("closed: yes")};
    const QStringList b{QStringLiteral("status: 200"), QStringLiteral("body: b"),
                        QStringLiteral("closed: yes")};
    QCOMPARE(lineDiff(a, b), QStringLiteral("  status: 200\n- body: a\n+ body: b\n  closed: yes"));
    QCOMPARE(lineDiff(a, a), QStringLiteral("  status: 200\n  body: a\n  closed: yes"));
    QCOMPARE(quoted(QByteArray("a\r\n\"\x01", 5)), QStringLiteral("\"a\\r\\n\\\"\\x01\""));
}

QTEST_GUILESS_MAIN(TestCaseFile)
#include "tst_casefile.moc"
