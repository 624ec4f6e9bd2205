// The built-in client's link from a response to its trace: a request that carries
// "X-Restyscope-Trace: 1" gets "X-Restyscope-Request: <id>", the id of its RequestBegin
// event; any other request (no header, another value) gets nginx's headers only.

#include "tests/common/enginefixture.h"
#include "tests/common/httpclient.h"

#include <QtTest>

using namespace restyscope;

namespace {

// The request id of the last RequestBegin whose text is "GET <target>"; 0 when none.
std::uint64_t beginId(const std::vector<engine::trace::Event>& events, const std::string& text)
{
    std::uint64_t id = 0;
    for (const auto& event : events) {
        if (event.kind == engine::trace::EventKind::RequestBegin && event.textView() == text) {
            id = event.requestId;
        }
    }
    return id;
}

} // namespace

class TestTraceHeader : public QObject
{
    Q_OBJECT

private slots:
    void header_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QByteArray>("traceHeader"); // the request's header line, or empty
        QTest::addColumn<int>("status");
        QTest::addColumn<bool>("present");
        const QByteArray ask("X-Restyscope-Trace: 1\r\n");
        QTest::newRow("lua asked") << QByteArray("/lua") << ask << 200 << true;
        QTest::newRow("lua not asked") << QByteArray("/lua") << QByteArray() << 200 << false;
        QTest::newRow("lua other value")
            << QByteArray("/lua") << QByteArray("X-Restyscope-Trace: 0\r\n") << 200 << false;
        QTest::newRow("lua name case")
            << QByteArray("/lua") << QByteArray("x-restyscope-trace: 1\r\n") << 200 << true;
        QTest::newRow("return asked") << QByteArray("/ret") << ask << 201 << true;
        QTest::newRow("error page asked") << QByteArray("/missing") << ask << 404 << true;
        QTest::newRow("error page not asked")
            << QByteArray("/missing") << QByteArray() << 404 << false;
    }

    void header()
    {
        QFETCH(QByteArray, target);
        QFETCH(QByteArray, traceHeader);
        QFETCH(int, status);
        QFETCH(bool, present);
        test::EngineFixture engine;
        std::string error;
        QVERIFY2(engine.start("server { listen 127.0.0.1:%PORT%;"
                              " location = /lua { content_by_lua_block { ngx.say('hi') } }"
                              " location = /ret { return 201 made; } }",
                              {}, error),
                 error.c_str());
        // Two requests on one connection: each response carries its own id.
        test::HttpConnection client;
        QVERIFY(client.connect(engine.port()));
        std::vector<std::string> ids;
        for (int i = 0; i < 2; ++i) {
            engine.clearEvents();
            const std::string head = "GET " + target.toStdString() + " HTTP/1.1\r\nHost: a\r\n" +
                                     traceHeader.toStdString() + "\r\n";
            QVERIFY(client.send(head));
            const auto response = client.read();
            QCOMPARE(response.status, status);
            const std::string id = response.header("X-Restyscope-Request");
            if (!present) {
                QVERIFY2(id.empty(), id.c_str());
                continue;
            }
            QTRY_VERIFY(beginId(engine.events(), "GET " + target.toStdString()) != 0);
            const auto expected = beginId(engine.events(), "GET " + target.toStdString());
            QCOMPARE(QByteArray::fromStdString(id), QByteArray::number(expected));
            ids.push_back(id);
        }
        if (present) {
            QCOMPARE(ids.size(), std::size_t(2));
            QVERIFY(ids[0] != ids[1]);
        }
    }
};

QTEST_GUILESS_MAIN(TestTraceHeader)
#include "tst_traceheader.moc"
