// A subrequest's captured response (HttpRequest capture mode + subrequestResult): what
// ngx.location.capture returns for each way a child ends. The expected rows are the
// answers nginx 1.22.1 / lua-nginx-module 0.10.23 gave in api/subreq-status.case.

#include "engine/api/subrequestresult.h"
#include "engine/http/connection.h"
#include "engine/http/status.h"

#include <QtTest>

using namespace restyscope::engine;
using namespace restyscope::engine::api;

namespace {

// A tiny script run on the child: "header", "say:TEXT", "last:TEXT", "status:N",
// "length:N", "add:NAME=VALUE", "head", "finalize:RC".
void runScript(http::HttpRequest& child, const QByteArrayList& steps)
{
    for (const QByteArray& step : steps) {
        const qsizetype colon = step.indexOf(':');
        const QByteArray verb = colon < 0 ? step : step.left(colon);
        const QByteArray arg = colon < 0 ? QByteArray() : step.mid(colon + 1);
        if (verb == "header") {
            child.sendHeader();
        } else if (verb == "say") {
            child.output(arg.toStdString());
        } else if (verb == "last") {
            child.output(arg.toStdString(), true, true);
        } else if (verb == "status") {
            child.headersOut.status = arg.toInt();
        } else if (verb == "length") {
            child.headersOut.contentLength = arg.toLongLong();
        } else if (verb == "add") {
            const qsizetype eq = arg.indexOf('=');
            child.headersOut.headers.push_back(
                {arg.left(eq).toStdString(), arg.mid(eq + 1).toStdString()});
        } else if (verb == "head") {
            child.request.headOnly = true;
        } else if (verb == "finalize") {
            child.finalize(arg.toInt());
        } else {
            QFAIL(QByteArray("unknown step " + step).constData());
        }
    }
}

// "status [Name=value;Name=value#] [body] truncated" (# marks a Lua number).
QByteArray render(const SubrequestResult& result)
{
    QByteArrayList headers;
    for (const CapturedHeader& header : result.headers) {
        headers << QByteArray::fromStdString(header.name + "=" + header.value) +
                       (header.number ? "#" : "");
    }
    return QByteArray::number(result.status) + " [" + headers.join(';') + "] [" +
           QByteArray::fromStdString(result.body) + "] " + (result.truncated ? "true" : "false");
}

} // namespace

class TestSubrequest : public QObject
{
    Q_OBJECT

private slots:
    void capture_data()
    {
        QTest::addColumn<QByteArrayList>("script");
        QTest::addColumn<bool>("mimeSet");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("lua output, normal end")
            << QByteArrayList{"add:X-Foo=a", "add:X-Foo=b", "say:hi\n", "finalize:0"} << false
            << QByteArray("200 [X-Foo=a;X-Foo=b;Content-Type=text/plain] [hi\n] false");
        QTest::newRow("return with text")
            << QByteArrayList{"status:201", "length:8", "header", "last:ret text", "finalize:0"}
            << false
            << QByteArray("201 [Content-Type=text/plain;Content-Length=8#] [ret text] false");
        QTest::newRow("special 404 before the header")
            << QByteArrayList{"finalize:404"} << false
            << QByteArray("404 [Content-Type=text/plain] [] true");
        QTest::newRow("special 404 after Lua chose a type")
            << QByteArrayList{"finalize:404"} << true << QByteArray("404 [] [] true");
        QTest::newRow("error before the header")
            << QByteArrayList{"finalize:500"} << false
            << QByteArray("500 [Content-Type=text/plain] [] true");
        QTest::newRow("exit 201") << QByteArrayList{"status:201", "header", "finalize:0"} << false
                                  << QByteArray("201 [Content-Type=text/plain] [] false");
        QTest::newRow("exit 204") << QByteArrayList{"status:204", "header", "finalize:0"} << false
                                  << QByteArray("204 [Content-Type=text/plain] [] true");
        QTest::newRow("error after a flush")
            << QByteArrayList{"say:partial\n", "finalize:-1"} << false
            << QByteArray("200 [Content-Type=text/plain] [partial\n] true");
        QTest::newRow("redirect") << QByteArrayList{"add:Location=/foo", "finalize:301"} << false
                                  << QByteArray(
                                         "301 [Location=/foo;Content-Type=text/plain] [] true");
        QTest::newRow("empty handler") << QByteArrayList{"finalize:0"} << false
                                       << QByteArray("200 [Content-Type=text/plain] [] false");
        QTest::newRow("HEAD captures no body")
            << QByteArrayList{"head", "say:x", "finalize:0"} << false
            << QByteArray("200 [Content-Type=text/plain] [] true");
    }
    void capture()
    {
        QFETCH(QByteArrayList, script);
        QFETCH(bool, mimeSet);
        QFETCH(QByteArray, expected);
        auto parent = std::make_shared<http::HttpRequest>();
        parent->request.id = 1;
        parent->request.uri = "/t";
        int done = 0;
        auto child = http::HttpRequest::makeSubrequest(parent, {}, [&done] { ++done; });
        QVERIFY(child->isSubrequest());
        QCOMPARE(child->request.parentId, std::uint64_t{1});
        QVERIFY(!child->connectionClosed());
        runScript(*child, script);
        QCOMPARE(done, 1);
        child->finalize(http::kNgxOk); // a second finalize is ignored
        QCOMPARE(done, 1);
        QCOMPARE(render(subrequestResult(*child, mimeSet)), expected);
    }

    void bodyIsComplete()
    {
        auto parent = std::make_shared<http::HttpRequest>();
        auto child = http::HttpRequest::makeSubrequest(parent, "payload", [] {});
        QVERIFY(child->bodyComplete());
        QCOMPARE(QString::fromStdString(child->body()), QStringLiteral("payload"));
        int status = -1;
        child->readBody([&status](int s) { status = s; });
        QCOMPARE(status, 0);
        QCOMPARE(child->discardBody(), 0);
    }
};

QTEST_GUILESS_MAIN(TestSubrequest)
#include "tst_subrequest.moc"
