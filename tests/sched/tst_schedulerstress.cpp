// Many parked coroutines at once, then nothing left behind: the coroutine anchor table is
// empty and the main VM's heap is back near its size before.

#include "tests/common/enginefixture.h"
#include "tests/common/httpclient.h"

#include <QtTest>

#include <poll.h>
#include <sys/resource.h>

#include <memory>

using namespace restyscope;

namespace {

// Enough descriptors for both ends of `connections` loopback connections in one process.
std::size_t raiseDescriptorLimit(std::size_t connections)
{
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    const rlim_t wanted = static_cast<rlim_t>(connections * 2 + 512);
    if (limit.rlim_cur < wanted) {
        rlimit raised{wanted, std::max(wanted, limit.rlim_max)};
        if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
            raised.rlim_cur = limit.rlim_max;
            raised.rlim_max = limit.rlim_max;
            setrlimit(RLIMIT_NOFILE, &raised);
        }
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    return std::min<std::size_t>(connections, (limit.rlim_cur - 512) / 2);
}

} // namespace

class TestSchedulerStress : public QObject
{
    Q_OBJECT

private slots:
    void tenThousandSleepersAndAThousandThreads()
    {
        const std::size_t wanted = 10000;
        const std::size_t count = raiseDescriptorLimit(wanted);
        QVERIFY2(count == wanted, "cannot raise RLIMIT_NOFILE far enough (run as root)");

        test::EngineFixture engine;
        std::string error;
        QVERIFY2(engine.start("server { listen 127.0.0.1:%PORT%;\n"
                              "  location /sleep { content_by_lua_block {\n"
                              "    ngx.sleep(0.5) ngx.say('ok') } }\n"
                              "  location /threads { content_by_lua_block {\n"
                              "    local threads = {}\n"
                              "    for i = 1, 1000 do threads[i] = ngx.thread.spawn(function()\n"
                              "      ngx.sleep(0.01 * (i % 7)) return i end) end\n"
                              "    local sum = 0\n"
                              "    for i = 1, 1000 do local ok, v = ngx.thread.wait(threads[i])"
                              " sum = sum + v end\n"
                              "    ngx.say(sum) } }\n"
                              "}",
                              {}, error),
                 error.c_str());

        // Warm up (first load of each handler), then measure the heap.
        QCOMPARE(test::httpRequest(engine.port(), "GET", "/threads").body,
                 std::string("500500\n"));
        std::size_t before = 0;
        engine.call([&](engine::Engine& e) { before = e.mainVmMemoryAfterGc(); });

        std::vector<std::unique_ptr<test::HttpConnection>> clients;
        clients.reserve(count);
        for (std::size_t i = 0; i < count; ++i) {
            auto client = std::make_unique<test::HttpConnection>();
            QVERIFY(client->connect(engine.port()));
            QVERIFY(client->send("GET /sleep HTTP/1.1\r\nHost: a\r\n\r\n"));
            clients.push_back(std::move(client));
        }
        const auto threads = test::httpRequest(engine.port(), "GET", "/threads",
                                               {}, std::chrono::seconds(60));
        QCOMPARE(threads.body, std::string("500500\n"));
        std::size_t ok = 0;
        for (auto& client : clients) {
            const auto response = client->read(std::chrono::seconds(60));
            ok += response.status == 200 && response.body == "ok\n" ? 1 : 0;
        }
        QCOMPARE(ok, count);
        clients.clear();

        std::size_t anchors = 1;
        std::size_t after = 0;
        std::size_t live = 1;
        engine.call([&](engine::Engine& e) {
            anchors = e.mainVmAnchors();
            after = e.mainVmMemoryAfterGc();
            live = e.liveLuaRequests();
        });
        QCOMPARE(anchors, std::size_t(0));
        QCOMPARE(live, std::size_t(0));
        qInfo("main VM heap: %zu bytes before, %zu after", before, after);
        QVERIFY2(after <= before + before / 10, "the VM heap grew by more than 10%");
    }
};

QTEST_GUILESS_MAIN(TestSchedulerStress)
#include "tst_schedulerstress.moc"
