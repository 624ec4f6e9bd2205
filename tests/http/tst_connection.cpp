// The connection state machine without sockets: bytes in, bytes out, timers by hand.

#include "engine/http/connection.h"
#include "engine/http/status.h"
#include "engine/trace/errorlog.h"

#include <QtTest>

using namespace restyscope::engine;
using namespace restyscope::engine::http;

namespace {

class FakeTransport : public ConnectionTransport
{
public:
    void wake() override { ++wakes; }
    int wakes = 0;
};

// Answers each request as the test says; records what it saw.
class ScriptedHandler : public RequestHandler
{
public:
    enum class Mode { Text, Chunked, EchoBody, Hold, Status };
    Mode mode = Mode::Text;
    int status = 200;
    std::vector<std::shared_ptr<HttpRequest>> seen;
    std::vector<int> bodyStatuses;

    void handleRequest(const std::shared_ptr<HttpRequest>& request) override
    {
        seen.push_back(request);
        switch (mode) {
        case Mode::Text: {
            const std::string body = "uri=" + request->request.uri;
            request->headersOut.status = 200;
            request->headersOut.contentLength = static_cast<std::int64_t>(body.size());
            request->output(body, false, true);
            request->finalize(kNgxOk);
            break;
        }
        case Mode::Chunked:
            request->output("hello", false, false);
            request->output(" world", false, true);
            request->finalize(kNgxOk);
            break;
        case Mode::EchoBody:
            request->readBody([this, request](int bodyStatus) {
                bodyStatuses.push_back(bodyStatus);
                if (bodyStatus != 0) {
                    request->finalize(bodyStatus);
                    return;
                }
                request->headersOut.contentLength =
                    static_cast<std::int64_t>(request->body().size());
                request->output(request->body(), false, true);
                request->finalize(kNgxOk);
            });
            break;
        case Mode::Hold: break;
        case Mode::Status: request->finalize(status); break;
        }
    }
};

struct Fixture
{
    FakeTransport transport;
    ScriptedHandler handler;
    trace::ErrorLog log;
    Connection connection{1, transport, handler, log};

    Fixture()
    {
        log.setLevel(trace::LogLevel::Emerg); // keep test output clean
        connection.setAddresses("127.0.0.1", 40000, "127.0.0.1", 8080);
        connection.setRequestConfigurer(
            [](HttpRequest& r) { r.responseOptions.serverToken = "restyscope"; });
    }

    void send(const std::string& bytes) { connection.onData(bytes.data(), bytes.size()); }

    std::string takeOutput()
    {
        std::string out = connection.output();
        connection.consumeOutput(out.size());
        return out;
    }
};

int count(const std::string& haystack, const std::string& needle)
{
    int n = 0;
    for (auto pos = haystack.find(needle); pos != std::string::npos;
         pos = haystack.find(needle, pos + 1)) {
        ++n;
    }
    return n;
}

} // namespace

class TestConnection : public QObject
{
    Q_OBJECT

private slots:
    void simpleGetKeepsAlive()
    {
        Fixture f;
        f.send("GET /a/./b//c?x=1 HTTP/1.1\r\nHost: Example.COM:8080\r\n\r\n");
        QCOMPARE(f.handler.seen.size(), std::size_t(1));
        const Request& r = f.handler.seen[0]->request;
        QCOMPARE(r.uri, std::string("/a/b/c"));
        QCOMPARE(r.args, std::string("x=1"));
        QCOMPARE(r.host, std::string("example.com"));
        QCOMPARE(r.requestLine, std::string("GET /a/./b//c?x=1 HTTP/1.1"));
        const std::string out = f.takeOutput();
        QVERIFY(out.starts_with("HTTP/1.1 200 OK\r\nServer: restyscope\r\nDate: "));
        QVERIFY(out.find("Content-Length: 10\r\nConnection: keep-alive\r\n\r\nuri=/a/b/c") !=
                std::string::npos);
        QVERIFY(!f.connection.wantsClose());
    }

    void pipelinedRequestsAnswerInOrder()
    {
        Fixture f;
        f.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n"
               "GET /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        QCOMPARE(f.handler.seen.size(), std::size_t(3));
        const std::string out = f.takeOutput();
        const auto p1 = out.find("uri=/1");
        const auto p2 = out.find("uri=/2");
        const auto p3 = out.find("uri=/3");
        QVERIFY(p1 < p2 && p2 < p3 && p3 != std::string::npos);
        QCOMPARE(count(out, "Connection: keep-alive"), 2);
        QCOMPARE(count(out, "Connection: close"), 1);
        QVERIFY(f.connection.wantsClose());
    }

    void pipelinedRequestWaitsForAParkedOne()
    {
        Fixture f;
        f.handler.mode = ScriptedHandler::Mode::Hold;
        f.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
        QCOMPARE(f.handler.seen.size(), std::size_t(1)); // /2 waits, as in nginx
        f.handler.mode = ScriptedHandler::Mode::Text;
        auto first = f.handler.seen[0];
        first->headersOut.contentLength = 1;
        first->output("x", false, true);
        first->finalize(kNgxOk);
        QCOMPARE(f.handler.seen.size(), std::size_t(2));
        QVERIFY(f.takeOutput().find("uri=/2") != std::string::npos);
    }

    void bodies_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("byteByByte");
        const QByteArray chunked =
            "POST /e HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
        const QByteArray length = "POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n"
                                  "hello world";
        QTest::newRow("chunked") << chunked << QByteArray("hello world") << false;
        QTest::newRow("chunked, byte by byte") << chunked << QByteArray("hello world") << true;
        QTest::newRow("content-length") << length << QByteArray("hello world") << false;
        QTest::newRow("content-length, byte by byte")
            << length << QByteArray("hello world") << true;
        QTest::newRow("no body") << QByteArray("POST /e HTTP/1.1\r\nHost: a\r\n\r\n")
                                 << QByteArray() << false;
    }

    void bodies()
    {
        QFETCH(QByteArray, request);
        QFETCH(QByteArray, body);
        QFETCH(bool, byteByByte);
        Fixture f;
        f.handler.mode = ScriptedHandler::Mode::EchoBody;
        if (byteByByte) {
            for (char c : request) {
                f.send(std::string(1, c));
            }
        } else {
            f.send(request.toStdString());
        }
        QCOMPARE(f.handler.bodyStatuses, std::vector<int>{0});
        const std::string out = f.takeOutput();
        QVERIFY2(out.ends_with("\r\n\r\n" + body.toStdString()), out.c_str());
        QVERIFY(!f.connection.wantsClose());
    }

    void expectContinueIsAnsweredWhenTheBodyIsRead()
    {
        Fixture f;
        f.handler.mode = ScriptedHandler::Mode::EchoBody;
        f.send("POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
        QCOMPARE(f.takeOutput(), std::string("HTTP/1.1 100 Continue\r\n\r\n"));
        f.send("ok");
        QVERIFY(f.takeOutput().ends_with("\r\n\r\nok"));
    }

    void chunkedBodyOverTheLimitIs413()
    {
        Fixture f;
        f.handler.mode = ScriptedHandler::Mode::EchoBody;
        f.connection.setRequestConfigurer([](HttpRequest& r) { r.clientMaxBodySize = 4; });
        f.send("POST /e HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
               "5\r\nhello\r\n0\r\n\r\n");
        QCOMPARE(f.handler.bodyStatuses, std::vector<int>{413});
        const std::string out = f.takeOutput();
        QVERIFY(out.starts_with("HTTP/1.1 413 Request Entity Too Large\r\n"));
        QVERIFY(out.find("Connection: close") != std::string::npos);
        QVERIFY(f.connection.wantsClose());
    }

    void chunkedResponseFraming()
    {
        Fixture f;
        f.handler.mode = ScriptedHandler::Mode::Chunked;
        f.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        const std::string out = f.takeOutput();
        QVERIFY(out.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
        QVERIFY(out.ends_with("\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
    }

    void smallOutputIsPostponedUntilFlush()
    {
        Fixture f;
        f.handler.mode = ScriptedHandler::Mode::Hold;
        f.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        auto request = f.handler.seen[0];
        request->output("a", false, false);
        QCOMPARE(f.takeOutput(), std::string()); // header and "a" held (postpone_output)
        request->output(std::string(2000, 'b'), false, false);
        QVERIFY(f.takeOutput().find("1\r\na\r\n7d0\r\n") != std::string::npos);
        request->output("c", true, false);
        QCOMPARE(f.takeOutput(), std::string("1\r\nc\r\n"));
        request->finalize(kNgxOk);
        QCOMPARE(f.takeOutput(), std::string("0\r\n\r\n"));
    }

    void http10ClosesAfterResponse()
    {
        Fixture f;
        f.handler.mode = ScriptedHandler::Mode::Chunked;
        f.send("GET / HTTP/1.0\r\n\r\n");
        const std::string out = f.takeOutput();
        QVERIFY(out.starts_with("HTTP/1.1 200 OK\r\n"));
        QVERIFY(out.find("Connection: close\r\n") != std::string::npos);
        QVERIFY(out.find("Transfer-Encoding") == std::string::npos);
        QVERIFY(out.ends_with("\r\n\r\nhello world"));
        QVERIFY(f.connection.wantsClose());
    }

    void headOmitsTheBody()
    {
        Fixture f;
        f.send("HEAD /h HTTP/1.1\r\nHost: a\r\n\r\n");
        const std::string out = f.takeOutput();
        QVERIFY(out.find("Content-Length: 6\r\n") != std::string::npos);
        QVERIFY(out.ends_with("\r\n\r\n"));
    }

    void headerErrors_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<QByteArray>("statusLine");
        QTest::newRow("garbage") << QByteArray("\x01\x02garbage\r\n\r\n")
                                 << QByteArray("HTTP/1.1 400 Bad Request");
        QTest::newRow("no host on 1.1")
            << QByteArray("GET / HTTP/1.1\r\n\r\n") << QByteArray("HTTP/1.1 400 Bad Request");
        QTest::newRow("dot-dot above root") << QByteArray("GET /../x HTTP/1.1\r\nHost: a\r\n\r\n")
                                            << QByteArray("HTTP/1.1 400 Bad Request");
        QTest::newRow("long request line")
            << ("GET /" + QByteArray(9000, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n")
            << QByteArray("HTTP/1.1 414 Request-URI Too Large");
        QTest::newRow("long header line")
            << ("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + QByteArray(9000, 'b') + "\r\n\r\n")
            << QByteArray("HTTP/1.1 400 Bad Request");
    }

    void headerErrors()
    {
        QFETCH(QByteArray, request);
        QFETCH(QByteArray, statusLine);
        Fixture f;
        f.send(request.toStdString());
        const std::string out = f.takeOutput();
        QVERIFY2(out.starts_with(statusLine.toStdString() + "\r\n"), out.c_str());
        QVERIFY(out.find("Connection: close\r\n") != std::string::npos);
        QVERIFY(f.connection.wantsClose());
    }

    void headerTimeoutClosesSilently()
    {
        Fixture f;
        f.send("GET / HTTP/1.1\r\nHo");
        QVERIFY(f.connection.deadline() != std::chrono::steady_clock::time_point{});
        f.connection.onTimeout();
        QCOMPARE(f.takeOutput(), std::string());
        QVERIFY(f.connection.wantsClose());
        QVERIFY(f.handler.seen.empty());
    }

    void bodyTimeoutGives408AndCloses()
    {
        Fixture f;
        f.handler.mode = ScriptedHandler::Mode::EchoBody;
        f.send("POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
        f.connection.onTimeout();
        QCOMPARE(f.handler.bodyStatuses, std::vector<int>{kStatusRequestTimeout});
        QCOMPARE(f.takeOutput(), std::string());
        QVERIFY(f.connection.wantsClose());
    }

    void keepaliveTimeoutCloses()
    {
        Fixture f;
        f.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        f.takeOutput();
        QVERIFY(!f.connection.wantsClose());
        QVERIFY(f.connection.deadline() != std::chrono::steady_clock::time_point{});
        f.connection.onTimeout();
        QVERIFY(f.connection.wantsClose());
    }

    void specialResponsesAsNginx_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<bool>("closes");
        QTest::addColumn<bool>("hasPage");
        QTest::newRow("404") << 404 << false << true;
        QTest::newRow("500") << 500 << true << true;
        QTest::newRow("418 has no page") << 418 << false << false;
    }

    void specialResponsesAsNginx()
    {
        QFETCH(int, status);
        QFETCH(bool, closes);
        QFETCH(bool, hasPage);
        Fixture f;
        f.handler.mode = ScriptedHandler::Mode::Status;
        f.handler.status = status;
        f.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        const std::string out = f.takeOutput();
        QVERIFY(out.starts_with("HTTP/1.1 " + std::to_string(status)));
        QCOMPARE(out.find("Connection: close") != std::string::npos, closes);
        QCOMPARE(out.find("<hr><center>restyscope</center>") != std::string::npos, hasPage);
        QCOMPARE(out.find("Content-Type: text/html") != std::string::npos, hasPage);
    }

    void clientGoneMarksTheParkedRequest()
    {
        Fixture f;
        f.handler.mode = ScriptedHandler::Mode::Hold;
        f.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        bool aborted = false;
        f.handler.seen[0]->setAbortHandler([&] { aborted = true; });
        f.connection.detach();
        QVERIFY(aborted);
        QVERIFY(f.handler.seen[0]->connectionClosed());
        QVERIFY(!f.handler.seen[0]->output("late")); // a parked handler writing later is safe
        f.handler.seen[0]->finalize(kNgxOk);
    }
};

QTEST_GUILESS_MAIN(TestConnection)
#include "tst_connection.moc"
