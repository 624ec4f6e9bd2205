// A consumer that never reads: the ring fills, the engine drops and counts events, never
// blocks, and requests go on at the same pace.

#include "engine/trace/eventring.h"
#include "tests/common/enginefixture.h"
#include "tests/common/httpclient.h"

#include <QtTest>

using namespace restyscope;

namespace {

// Sends count keep-alive requests on one connection; returns the seconds it took.
double timeRequests(std::uint16_t port, int count, int& ok)
{
    test::HttpConnection client;
    client.connect(port);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < count; ++i) {
        client.send("GET /t HTTP/1.1\r\nHost: a\r\n\r\n");
        ok += client.read().body == "ok\n" ? 1 : 0;
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

class TestEventDrops : public QObject
{
    Q_OBJECT

private slots:
    void fullRingNeverSlowsTheEngine()
    {
        test::EngineFixture engine;
        std::string error;
        QVERIFY2(engine.start("server { listen 127.0.0.1:%PORT%; location /t { "
                              "content_by_lua_block { ngx.sleep(0) ngx.say('ok') } } }",
                              {}, error),
                 error.c_str());
        constexpr int kRequests = 2000;
        int ok = 0;
        timeRequests(engine.port(), 200, ok); // warm up
        ok = 0;
        const double untraced = timeRequests(engine.port(), kRequests, ok);
        QCOMPARE(ok, kRequests);

        engine::trace::EventRing stuck(64); // attached, never drained
        engine.call([&](engine::Engine& e) { e.tracer().attach(&stuck); });
        ok = 0;
        const double traced = timeRequests(engine.port(), kRequests, ok);
        engine.call([&](engine::Engine& e) { e.tracer().detach(&stuck); });
        QCOMPARE(ok, kRequests);

        QVERIFY(stuck.droppedTotal() > 0);
        std::vector<engine::trace::Event> kept;
        QCOMPARE(stuck.drain(kept), std::size_t(64));
        qInfo("%d requests: %.3f s untraced, %.3f s with a full ring (%llu events dropped)",
              kRequests, untraced, traced, static_cast<unsigned long long>(stuck.droppedTotal()));
        // Generous: only a blocked or crawling engine fails this on a loaded machine.
        QVERIFY2(traced < untraced * 2 + 0.5, "a full ring slowed the engine down");
    }
};

QTEST_GUILESS_MAIN(TestEventDrops)
#include "tst_eventdrops.moc"
