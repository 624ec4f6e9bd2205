// Client faults (issue 9 item 4): clients that go away while their request is parked in
// ngx.sleep, in ngx.thread.wait, in the middle of a body upload or of a long response,
// and thousands of idle connections closed at once. After each, nothing is left: no
// connection, no fd, no timer, no coroutine anchor, no Lua ctx, no per-request VM. (The
// slowloris case is a conformance case: tests/conformance/cases/faults/slowloris.case.)

#include "tests/common/enginefixture.h"
#include "tests/common/httpclient.h"

#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

using namespace restyscope;

namespace {

const char* const kConf = R"(
server {
    listen 127.0.0.1:%PORT%;
    location = /ok { content_by_lua_block { ngx.say("ok") } }
    location = /sleep { content_by_lua_block { ngx.sleep(0.3) ngx.say("late") } }
    location = /wait {
        content_by_lua_block {
            local t = ngx.thread.spawn(function() ngx.sleep(0.3) return "v" end)
            ngx.say(ngx.thread.wait(t))
        }
    }
    location = /body {
        client_body_buffer_size 1m;
        content_by_lua_block { ngx.req.read_body() ngx.say(#(ngx.req.get_body_data() or "")) }
    }
    location = /stream {
        content_by_lua_block {
            local chunk = string.rep("x", 16384)
            for i = 1, 2000 do
                local ok = ngx.print(chunk)
                ngx.flush(true)
                if not ok then break end
            end
        }
    }
    location = /timer {
        content_by_lua_block {
            ngx.timer.at(0.2, function() end)
            ngx.sleep(0.3)
            ngx.say("done")
        }
    }
    location /off/ {
        lua_code_cache off;
        content_by_lua_block {
            local t = ngx.thread.spawn(function() ngx.sleep(0.3) end)
            ngx.thread.wait(t)
            ngx.req.read_body()
            ngx.say("fresh")
        }
    }
}
)";

std::size_t openFds()
{
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& entry :
         std::filesystem::directory_iterator("/proc/self/fd")) {
        ++n;
    }
    return n;
}

int connectTo(std::uint16_t port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool sendAll(int fd, const std::string& bytes)
{
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            return false;
        }
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

// Reads about `bytes` bytes (or until the server closes), then returns what it got.
std::size_t readSome(int fd, std::size_t bytes)
{
    std::size_t got = 0;
    char buffer[65536];
    while (got < bytes) {
        const auto n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) {
            break;
        }
        got += static_cast<std::size_t>(n);
    }
    return got;
}

// An RST instead of a FIN, as a client that crashed sends.
void closeHard(int fd)
{
    linger option{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, sizeof option);
    ::close(fd);
}

struct Leftovers
{
    engine::EngineStats stats;
    std::size_t fds = 0;
};

} // namespace

class TestClientFaults : public QObject
{
    Q_OBJECT

    std::size_t m_baselineFds = 0;

    // Waits (up to 3 s, under the 5 s lingering close) until the engine holds nothing of
    // the faulty clients.
    void expectClean(test::EngineFixture& fixture)
    {
        engine::EngineStats stats;
        std::size_t fds = 0;
        for (int i = 0; i < 300; ++i) {
            fixture.call([&](engine::Engine& e) { stats = e.stats(); });
            fds = openFds();
            if (stats.connections == 0 && stats.luaRequests == 0 && stats.vms == 1 &&
                stats.mainVmAnchors == 0 && stats.pendingTimers == 0 && stats.runningTimers == 0 &&
                fds <= m_baselineFds) {
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        QCOMPARE(stats.connections, std::size_t(0));
        QCOMPARE(stats.luaRequests, std::size_t(0));
        QCOMPARE(stats.vms, std::size_t(1));
        QCOMPARE(stats.mainVmAnchors, std::size_t(0));
        QCOMPARE(stats.pendingTimers, std::size_t(0));
        QCOMPARE(stats.runningTimers, std::size_t(0));
        QVERIFY2(
            fds <= m_baselineFds,
            (std::to_string(fds) + " fds, " + std::to_string(m_baselineFds) + " before").c_str());
        // And the next request is served normally.
        QCOMPARE(test::httpRequest(fixture.port(), "GET", "/ok").body, std::string("ok\n"));
    }

    bool start(test::EngineFixture& fixture)
    {
        std::string error;
        if (!fixture.start(kConf, {}, error)) {
            qWarning("%s", error.c_str());
            return false;
        }
        // Warm up (the listener's first accept, the code cache) before counting fds.
        test::httpRequest(fixture.port(), "GET", "/ok");
        m_baselineFds = openFds();
        return true;
    }

private slots:
    void disconnectWhileParked_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<bool>("hard");
        auto get = [](const char* path) -> QByteArray {
            return QByteArray("GET ") + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
        };
        QTest::newRow("in ngx.sleep") << get("/sleep") << false;
        QTest::newRow("in ngx.sleep, reset") << get("/sleep") << true;
        QTest::newRow("in ngx.thread.wait") << get("/wait") << false;
        QTest::newRow("with a timer pending") << get("/timer") << false;
        QTest::newRow("lua_code_cache off, in a wait") << get("/off/x") << false;
        QTest::newRow("mid-body upload")
            << QByteArray("POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n") +
                   QByteArray(1000, 'b')
            << false;
        QTest::newRow("mid-body upload, reset")
            << QByteArray("POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n") +
                   QByteArray(1000, 'b')
            << true;
        QTest::newRow("mid-chunked upload, lua_code_cache off")
            << QByteArray("POST /off/y HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "400\r\n") +
                   QByteArray(512, 'c')
            << false;
    }
    void disconnectWhileParked()
    {
        QFETCH(QByteArray, request);
        QFETCH(bool, hard);
        test::EngineFixture fixture;
        QVERIFY(start(fixture));
        for (int i = 0; i < 20; ++i) {
            const int fd = connectTo(fixture.port());
            QVERIFY(fd >= 0);
            QVERIFY(sendAll(fd, request.toStdString()));
            std::this_thread::sleep_for(std::chrono::milliseconds(i % 4 == 0 ? 50 : 2));
            hard ? closeHard(fd) : (void)::close(fd);
        }
        expectClean(fixture);
    }

    void disconnectMidResponse()
    {
        test::EngineFixture fixture;
        QVERIFY(start(fixture));
        for (int i = 0; i < 10; ++i) {
            const int fd = connectTo(fixture.port());
            QVERIFY(fd >= 0);
            QVERIFY(sendAll(fd, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
            QVERIFY(readSome(fd, 200000) >= 200000); // 32 MB would follow
            i % 2 == 0 ? closeHard(fd) : (void)::close(fd);
        }
        expectClean(fixture);
        const std::string log = fixture.errorLog();
        QVERIFY2(log.find("[crit]") == std::string::npos &&
                     log.find("lua entry thread aborted") == std::string::npos,
                 log.c_str());
    }

    void thousandsOfIdleConnections()
    {
        constexpr int kConnections = 3000;
        rlimit limit{};
        ::getrlimit(RLIMIT_NOFILE, &limit);
        if (limit.rlim_cur < 2 * kConnections + 200) {
            // Both ends of every connection live in this process.
            limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 2 * kConnections + 200);
            ::setrlimit(RLIMIT_NOFILE, &limit);
        }
        if (limit.rlim_cur < 2 * kConnections + 200) {
            QSKIP("RLIMIT_NOFILE is too low for 3000 connections and cannot be raised");
        }
        test::EngineFixture fixture;
        QVERIFY(start(fixture));
        std::vector<int> fds;
        for (int i = 0; i < kConnections; ++i) {
            const int fd = connectTo(fixture.port());
            QVERIFY(fd >= 0);
            fds.push_back(fd);
        }
        // Every one is accepted and open, and the server still answers.
        engine::EngineStats stats;
        for (int i = 0; i < 500 && stats.connections < kConnections; ++i) {
            fixture.call([&](engine::Engine& e) { stats = e.stats(); });
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        QCOMPARE(stats.connections, std::size_t(kConnections));
        QCOMPARE(test::httpRequest(fixture.port(), "GET", "/sleep").body, std::string("late\n"));
        for (std::size_t i = 0; i < fds.size(); ++i) {
            i % 3 == 0 ? closeHard(fds[i]) : (void)::close(fds[i]);
        }
        expectClean(fixture);
    }
};

QTEST_GUILESS_MAIN(TestClientFaults)
#include "tst_clientfaults.moc"
