// Many parked coroutines at once, then nothing left behind: the coroutine anchor table is
// empty and the main VM's heap is back near its size before.

#include "tests/common/enginefixture.h"
#include "tests/common/httpclient.h"

#include <QtTest>

#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>

using namespace restyscope;

namespace {

// Enough descriptors for both ends of `connections` loopback connections in one process.
constexpr std::size_t kSleepers = 10000;

// Room for `connections` sockets plus the usual descriptors.
std::size_t raiseDescriptorLimit(std::size_t connections)
{
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    const rlim_t wanted = static_cast<rlim_t>(connections + 512);
    if (limit.rlim_cur < wanted) {
        rlimit raised{wanted, std::max(wanted, limit.rlim_max)};
        if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
            raised.rlim_cur = limit.rlim_max;
            raised.rlim_max = limit.rlim_max;
            setrlimit(RLIMIT_NOFILE, &raised);
        }
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    return std::min<std::size_t>(connections, limit.rlim_cur - 512);
}

} // namespace

class TestSchedulerStress : public QObject
{
    Q_OBJECT

private slots:
    void tenThousandSleepersAndAThousandThreads()
    {
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
        QVERIFY(raiseDescriptorLimit(kSleepers) >= kSleepers / 2);

        // Warm up (first load of each handler), then measure the heap.
        QCOMPARE(test::httpRequest(engine.port(), "GET", "/threads").body, std::string("500500\n"));
        std::size_t before = 0;
        engine.call([&](engine::Engine& e) { before = e.mainVmMemoryAfterGc(); });

        // The clients live in another process: each side then needs one descriptor per
        // connection, which fits the usual 20000 limit.
        const pid_t child = fork();
        if (child == 0) {
            const std::string port = std::to_string(engine.port());
            ::setenv("RESTYSCOPE_STRESS_CLIENT_PORT", port.c_str(), 1);
            ::execl("/proc/self/exe", "tst_schedulerstress", nullptr);
            ::_exit(127);
        }
        QVERIFY(child > 0);
        int status = 0;
        ::waitpid(child, &status, 0);
        QVERIFY2(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                 "the client process saw wrong or missing answers");

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

// The client side: 10,000 connections parked in /sleep at once, then one /threads request
// with 1,000 user threads; exits 0 when every answer is right.
int runClients(std::uint16_t port)
{
    if (raiseDescriptorLimit(kSleepers) < kSleepers) {
        std::fprintf(stderr, "cannot open %zu descriptors\n", kSleepers);
        return 2;
    }
    std::vector<std::unique_ptr<test::HttpConnection>> clients;
    clients.reserve(kSleepers);
    for (std::size_t i = 0; i < kSleepers; ++i) {
        auto client = std::make_unique<test::HttpConnection>();
        if (!client->connect(port) || !client->send("GET /sleep HTTP/1.1\r\nHost: a\r\n\r\n")) {
            std::fprintf(stderr, "connection %zu failed\n", i);
            return 3;
        }
        clients.push_back(std::move(client));
    }
    const auto threads = test::httpRequest(port, "GET", "/threads", {}, std::chrono::seconds(60));
    if (threads.body != "500500\n") {
        std::fprintf(stderr, "/threads answered %d \"%s\"\n", threads.status, threads.body.c_str());
        return 4;
    }
    std::size_t ok = 0;
    for (auto& client : clients) {
        const auto response = client->read(std::chrono::seconds(60));
        ok += response.status == 200 && response.body == "ok\n" ? 1 : 0;
    }
    if (ok != kSleepers) {
        std::fprintf(stderr, "%zu of %zu sleepers answered\n", ok, kSleepers);
        return 5;
    }
    return 0;
}

int main(int argc, char** argv)
{
    if (const char* port = std::getenv("RESTYSCOPE_STRESS_CLIENT_PORT")) {
        return runClients(static_cast<std::uint16_t>(std::atoi(port)));
    }
    QCoreApplication app(argc, argv);
    TestSchedulerStress test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_schedulerstress.moc"
