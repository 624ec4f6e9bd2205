// Cosockets against loopback servers this test starts (echo, scripted slow/closing,
// silent, refusing): timeouts and partial reads, receiveuntil with the pattern split across
// packets, the keepalive pool (one server-side connection reused), the yield reason and
// what a parked coroutine shows it waits on, the debugger's ready list on a socket
// completion, and no descriptor left open after a kill or the request's end.
//
// Design: no peer keeps a clock. A peer that must act after the engine did something waits
// for it: for the test to release it (after the test saw the engine parked or paused), for
// a line the Lua handler sends, for the engine to have read the previous piece (its
// receive queue empty), or for the test to end. So the cases hold on a sanitizer build and
// a loaded machine, where any pause may last longer than planned.

#include "engine/debug/debugger.h"
#include "tests/common/enginefixture.h"
#include "tests/common/httpclient.h"

#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

using namespace restyscope;
using namespace std::chrono_literals;

namespace {

// A loopback TCP server on its own thread; each accepted connection runs `serve`.
class LoopbackServer
{
public:
    using Serve = std::function<void(int fd, LoopbackServer& server)>;

    explicit LoopbackServer(Serve serve) : m_serve(std::move(serve))
    {
        m_listen = ::socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        ::setsockopt(m_listen, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(m_listen, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
        ::listen(m_listen, 16);
        socklen_t len = sizeof(addr);
        ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&addr), &len);
        m_port = ntohs(addr.sin_port);
        m_thread = std::thread([this] { loop(); });
    }
    ~LoopbackServer()
    {
        m_stop = true;
        m_thread.join();
        for (auto& t : m_workers) {
            t.join();
        }
        ::close(m_listen);
    }

    std::uint16_t port() const { return m_port; }
    int accepted() const { return m_accepted; }
    int peerClosed() const { return m_peerClosed; }
    bool stopping() const { return m_stop; }
    void notePeerClosed() { ++m_peerClosed; }

    // The test lets a gated peer go on (see waitForRelease).
    void release() { m_released = true; }
    // A peer waits here until the test releases it; false when the server stops first.
    bool waitForRelease() const
    {
        while (!m_released && !m_stop) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return m_released;
    }
    // A peer that must keep its connection open until the test is over.
    void waitForStop() const
    {
        while (!m_stop) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }

private:
    void loop()
    {
        while (!m_stop) {
            pollfd p{m_listen, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) {
                continue;
            }
            const int fd = ::accept(m_listen, nullptr, nullptr);
            if (fd < 0) {
                continue;
            }
            ++m_accepted;
            m_workers.emplace_back([this, fd] {
                m_serve(fd, *this);
                ::close(fd);
            });
        }
    }

    Serve m_serve;
    int m_listen = -1;
    std::uint16_t m_port = 0;
    std::thread m_thread;
    std::vector<std::thread> m_workers;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_released{false};
    std::atomic<int> m_accepted{0};
    std::atomic<int> m_peerClosed{0};
};

// Waits for fd to be readable; false when the server stops first.
bool readable(int fd, LoopbackServer& server)
{
    while (!server.stopping()) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 20) > 0) {
            return true;
        }
    }
    return false;
}

// The bytes this peer sent on fd that the engine has not read yet: the receive queue of
// the engine's end of the connection (it lives in this process), from /proc/net/tcp.
// -1 when that end is gone.
long unreadByEngine(int fd)
{
    sockaddr_in self{};
    sockaddr_in peer{};
    socklen_t len = sizeof(self);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&self), &len);
    len = sizeof(peer);
    ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len);
    std::ifstream tcp("/proc/net/tcp");
    std::string line;
    std::getline(tcp, line); // header
    while (std::getline(tcp, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state, queues;
        fields >> slot >> local >> remote >> state >> queues;
        const auto localColon = local.find(':');
        const auto remoteColon = remote.find(':');
        const auto queueColon = queues.find(':');
        if (localColon == std::string::npos || remoteColon == std::string::npos ||
            queueColon == std::string::npos) {
            continue;
        }
        if (std::stoi(local.substr(localColon + 1), nullptr, 16) == ntohs(peer.sin_port) &&
            std::stoi(remote.substr(remoteColon + 1), nullptr, 16) == ntohs(self.sin_port)) {
            return std::stol(queues.substr(queueColon + 1), nullptr, 16);
        }
    }
    return -1;
}

void echo(int fd, LoopbackServer& server)
{
    char buf[4096];
    while (readable(fd, server)) {
        const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) {
            server.notePeerClosed();
            return;
        }
        ::send(fd, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL);
    }
}

// Sends the pieces, each once the engine has read the one before (so each arrives in a
// read of its own, however slow the engine is), then closes.
LoopbackServer::Serve scripted(std::vector<std::string> pieces)
{
    return [pieces](int fd, LoopbackServer& server) {
        bool first = true;
        for (const auto& piece : pieces) {
            while (!first && unreadByEngine(fd) > 0 && !server.stopping()) {
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
            }
            first = false;
            ::send(fd, piece.data(), piece.size(), MSG_NOSIGNAL);
        }
    };
}

// Sends data once the test releases it, then closes.
LoopbackServer::Serve gated(std::string data)
{
    return [data](int fd, LoopbackServer& server) {
        if (server.waitForRelease()) {
            ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        }
    };
}

// Never answers; notes when the client closes.
void silent(int fd, LoopbackServer& server)
{
    char buf[256];
    while (readable(fd, server)) {
        if (::recv(fd, buf, sizeof(buf), 0) <= 0) {
            server.notePeerClosed();
            return;
        }
    }
}

// Our descriptors that are TCP sockets connected to port (the engine's side of the
// cosockets to a test server): /proc/self/fd inodes matched against /proc/net/tcp.
int socketsTo(std::uint16_t port)
{
    std::set<std::string> inodes;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        std::error_code ec;
        const std::string target = std::filesystem::read_symlink(entry.path(), ec).string();
        if (target.rfind("socket:[", 0) == 0) {
            inodes.insert(target.substr(8, target.size() - 9));
        }
    }
    std::ifstream tcp("/proc/net/tcp");
    std::string line;
    std::getline(tcp, line); // header
    int n = 0;
    while (std::getline(tcp, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
        fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
            timeout >> inode;
        const auto colon = remote.find(':');
        if (colon != std::string::npos &&
            std::stoi(remote.substr(colon + 1), nullptr, 16) == port && inodes.count(inode)) {
            ++n;
        }
    }
    return n;
}

std::string location(const std::string& lua)
{
    return "server { listen 127.0.0.1:%PORT%; location = /t { content_by_lua_block {\n" + lua +
           "\n} } }";
}

QByteArray body(test::HttpResponse r)
{
    return QByteArray::fromStdString(r.body);
}

std::string portOf(const LoopbackServer& server)
{
    return std::to_string(server.port());
}

// The limit only bounds a failing test; a passing one never comes near it.
bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds limit = 60s)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

} // namespace

class TestCosocket : public QObject
{
    Q_OBJECT

private slots:
    void echoRoundTrip()
    {
        LoopbackServer server(echo);
        test::EngineFixture fixture;
        std::string error;
        QVERIFY2(fixture.start(location("local s = ngx.socket.tcp()\n"
                                        "assert(s:connect('127.0.0.1', " +
                                        portOf(server) +
                                        "))\n"
                                        "ngx.say(s:send({'ping', {' ', 42}, '\\r\\n'}))\n"
                                        "ngx.say(s:receive())\n"
                                        "s:send('abcdef')\n"
                                        "ngx.say(s:receive(2), s:receiveany(10))\n"
                                        "ngx.say(s:close())"),
                               {}, error),
                 error.c_str());
        QCOMPARE(body(test::httpRequest(fixture.port(), "GET", "/t")),
                 QByteArray("9\nping 42\nabcdef\n1\n"));
        QVERIFY(waitFor([&] { return server.peerClosed() == 1; }));
    }

    void unsupportedMethodsNameThemselves()
    {
        LoopbackServer server(echo);
        test::EngineFixture fixture;
        std::string error;
        QVERIFY2(fixture.start(location("local s = ngx.socket.tcp()\n"
                                        "s:connect('127.0.0.1', " +
                                        portOf(server) +
                                        ")\n"
                                        "ngx.say(select(2, pcall(s.sslhandshake, s)))\n"
                                        "ngx.say(select(2, pcall(s.bind, s, '127.0.0.1')))\n"
                                        "local u = ngx.socket.udp()\n"
                                        "ngx.say(select(2, pcall(u.bind, u, '127.0.0.1')))"),
                               {}, error),
                 error.c_str());
        QCOMPARE(body(test::httpRequest(fixture.port(), "GET", "/t")),
                 QByteArray("sslhandshake: TLS cosockets are not supported by restyscope\n"
                            "tcpsock:bind is not supported by restyscope\n"
                            "udpsock:bind is not supported by restyscope\n"));
    }

    void timeoutKeepsPartialAndConnection()
    {
        // "ab" comes in one segment with the first line, so it is buffered before the timed
        // receive starts; the rest comes only when the handler asks for it after the timeout.
        LoopbackServer server([](int fd, LoopbackServer& self) {
            ::send(fd, "hello\nab", 8, MSG_NOSIGNAL);
            char go[3];
            if (readable(fd, self) && ::recv(fd, go, sizeof(go), MSG_WAITALL) == 3) {
                ::send(fd, "cd\nrest", 7, MSG_NOSIGNAL);
            }
        });
        test::EngineFixture fixture;
        std::string error;
        QVERIFY2(fixture.start(location("local s = ngx.socket.tcp()\n"
                                        "s:connect('127.0.0.1', " +
                                        portOf(server) +
                                        ")\n"
                                        "s:receive()\n"
                                        "s:settimeout(100)\n"
                                        "local t0 = ngx.now()\n"
                                        "ngx.say(s:receive())\n"
                                        "ngx.say(ngx.now() - t0 >= 0.09)\n"
                                        "s:send('go\\n')\n"
                                        "s:settimeout(60000)\n"
                                        "ngx.say(s:receive())\n"
                                        "ngx.say(s:receive())"),
                               {}, error),
                 error.c_str());
        QCOMPARE(body(test::httpRequest(fixture.port(), "GET", "/t")),
                 QByteArray("niltimeoutab\ntrue\ncd\nnilclosedrest\n"));
        QVERIFY(QString::fromStdString(fixture.errorLog())
                    .contains(QStringLiteral("lua tcp socket read timed out")));
    }

    void receiveUntilSplitPattern_data()
    {
        QTest::addColumn<QStringList>("pieces");
        QTest::addColumn<QString>("lua");
        QTest::addColumn<QByteArray>("expected");

        QTest::newRow("pattern split in three")
            << QStringList{QStringLiteral("abc--"), QStringLiteral("-b"), QStringLiteral("nd tail")}
            << QStringLiteral("local it = s:receiveuntil('--bnd') ngx.say(it()) "
                              "ngx.say(s:receive('*a'))")
            << QByteArray("abc-\n tail\n");
        QTest::newRow("false start held back, sized")
            << QStringList{QStringLiteral("x-"), QStringLiteral("-y--"), QStringLiteral("bndz")}
            << QStringLiteral("local it = s:receiveuntil('--bnd') "
                              "for i = 1, 4 do ngx.say(tostring(it(2))) end")
            << QByteArray("x-\n-y\n\nnil\n"); // the pattern found: "" ends it, then nil
        QTest::newRow("inclusive across packets")
            << QStringList{QStringLiteral("a\r"), QStringLiteral("\nb")}
            << QStringLiteral("local it = s:receiveuntil('\\r\\n', {inclusive = true}) "
                              "ngx.say(#it()) ngx.say(it())")
            << QByteArray("3\nnilclosedb\n");
        QTest::newRow("closed before the pattern")
            << QStringList{QStringLiteral("no pattern"), QStringLiteral(" here")}
            << QStringLiteral("local it = s:receiveuntil('END') ngx.say(it()) ngx.say(it())")
            << QByteArray("nilclosedno pattern here\nnilclosed\n");
    }

    void receiveUntilSplitPattern()
    {
        QFETCH(QStringList, pieces);
        QFETCH(QString, lua);
        QFETCH(QByteArray, expected);
        std::vector<std::string> parts;
        for (const auto& piece : pieces) {
            parts.push_back(piece.toStdString());
        }
        LoopbackServer server(scripted(parts));
        test::EngineFixture fixture;
        std::string error;
        QVERIFY2(fixture.start(location("local s = ngx.socket.tcp()\n"
                                        "s:connect('127.0.0.1', " +
                                        portOf(server) + ")\n" + lua.toStdString()),
                               {}, error),
                 error.c_str());
        QCOMPARE(body(test::httpRequest(fixture.port(), "GET", "/t")), expected);
    }

    void refusedAndClosing()
    {
        LoopbackServer closing(scripted({"partial"}));
        const std::uint16_t nobody = test::freePort();
        test::EngineFixture fixture;
        std::string error;
        QVERIFY2(fixture.start(location("local s = ngx.socket.tcp()\n"
                                        "ngx.say(s:connect('127.0.0.1', " +
                                        std::to_string(nobody) +
                                        "))\n"
                                        "s:connect('127.0.0.1', " +
                                        portOf(closing) +
                                        ")\n"
                                        "ngx.say(s:receive(100))\n"
                                        "ngx.say(s:receive())"),
                               {}, error),
                 error.c_str());
        QCOMPARE(body(test::httpRequest(fixture.port(), "GET", "/t")),
                 QByteArray("nilconnection refused\nnilclosedpartial\nnilclosed\n"));
    }

    void sendTimeoutWhenThePeerStopsReading()
    {
        // Never reads, and keeps the connection until the test is over (a peer that gave up
        // on a clock would turn the timeout into a broken pipe on a slow build).
        LoopbackServer server([](int, LoopbackServer& self) { self.waitForStop(); });
        test::EngineFixture fixture;
        std::string error;
        QVERIFY2(fixture.start(location("local s = ngx.socket.tcp()\n"
                                        "s:connect('127.0.0.1', " +
                                        portOf(server) +
                                        ")\n"
                                        "s:settimeouts(1000, 150, 1000)\n"
                                        "ngx.say(s:send(string.rep('x', 64 * 1024 * 1024)))\n"
                                        "ngx.say(s:send('more'))"),
                               {}, error),
                 error.c_str());
        QCOMPARE(body(test::httpRequest(fixture.port(), "GET", "/t")),
                 QByteArray("niltimeout\nnilclosed\n"));
        QVERIFY(QString::fromStdString(fixture.errorLog())
                    .contains(QStringLiteral("lua tcp socket write timed out")));
    }

    void connectTimeoutOnAFullBacklog()
    {
        // A listener that never accepts, its accept queue filled: the kernel drops further
        // SYNs, so a connect can only time out.
        const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        QCOMPARE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
        QCOMPARE(::listen(listener, 0), 0);
        socklen_t len = sizeof(addr);
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
        std::vector<int> fillers;
        for (int i = 0; i < 4; ++i) {
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
            fillers.push_back(fd);
        }
        pollfd connected{fillers.front(), POLLOUT, 0};
        QCOMPARE(::poll(&connected, 1, 60000), 1); // the one the queue takes is in
        test::EngineFixture fixture;
        std::string error;
        const std::string port = std::to_string(ntohs(addr.sin_port));
        QVERIFY2(fixture.start(location("local s = ngx.socket.tcp()\n"
                                        "s:settimeout(150)\n"
                                        "local t0 = ngx.now()\n"
                                        "ngx.say(s:connect('127.0.0.1', " +
                                        port +
                                        "))\n"
                                        "ngx.say(ngx.now() - t0 >= 0.14, ' ', "
                                        "s:getreusedtimes())"),
                               {}, error),
                 error.c_str());
        const QByteArray answer = body(test::httpRequest(fixture.port(), "GET", "/t"));
        for (const int fd : fillers) {
            ::close(fd);
        }
        ::close(listener);
        QCOMPARE(answer, QByteArray("niltimeout\ntrue nilclosed\n"));
        QVERIFY(QString::fromStdString(fixture.errorLog())
                    .contains(QString::fromStdString(
                        "lua tcp socket connect timed out, when connecting to 127.0.0.1:" + port)));
    }

    void keepalivePoolReusesOneConnection()
    {
        LoopbackServer server(echo);
        test::EngineFixture fixture;
        std::string error;
        QVERIFY2(fixture.start(location("local s = ngx.socket.tcp()\n"
                                        "s:connect('127.0.0.1', " +
                                        portOf(server) +
                                        ")\n"
                                        "s:send('x\\n') s:receive()\n"
                                        "ngx.say(s:getreusedtimes(), ' ', s:setkeepalive(10000))"),
                               {}, error),
                 error.c_str());
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(body(test::httpRequest(fixture.port(), "GET", "/t")),
                     QByteArray::number(i) + " 1\n");
        }
        QCOMPARE(server.accepted(), 1);
        QCOMPARE(server.peerClosed(), 0);
    }

    void parkedReadShowsPeerAndYieldReason()
    {
        LoopbackServer server(gated("late\n"));
        test::EngineFixture fixture;
        std::string error;
        QVERIFY2(fixture.start(location("local s = ngx.socket.tcp()\n"
                                        "s:connect('127.0.0.1', " +
                                        portOf(server) +
                                        ")\n"
                                        "ngx.say(s:receive())"),
                               {}, error),
                 error.c_str());
        auto response = std::async(std::launch::async,
                                   [&] { return test::httpRequest(fixture.port(), "GET", "/t"); });
        const std::string expected = "recv 127.0.0.1:" + portOf(server);
        bool seen = false;
        QVERIFY(waitFor([&] {
            fixture.call([&](engine::Engine& e) {
                for (const auto& request : e.debugger().snapshot().requests) {
                    for (const auto& co : request.coroutines) {
                        seen = seen || (co.reason == engine::trace::YieldReason::Socket &&
                                        co.waitingOn == expected);
                    }
                }
            });
            return seen;
        }));
        server.release();
        QCOMPARE(body(response.get()), QByteArray("late\n"));
        bool yieldedOnSocket = false;
        for (const auto& line : test::normalizedTrace(fixture.events())) {
            yieldedOnSocket = yieldedOnSocket || line == "yield 1 socket";
        }
        QVERIFY(yieldedOnSocket);
    }

    void parkedSocketSurvivesCollection()
    {
        LoopbackServer server(gated("late\n"));
        test::EngineFixture fixture;
        std::string error;
        QVERIFY2(fixture.start(location("local t = ngx.thread.spawn(function()\n"
                                        "  return ngx.socket.connect('127.0.0.1', " +
                                        portOf(server) +
                                        "):receive()\n"
                                        "end)\n"
                                        "ngx.sleep(0.05) collectgarbage() collectgarbage()\n"
                                        "ngx.say(ngx.thread.wait(t))"),
                               {}, error),
                 error.c_str());
        auto response = std::async(std::launch::async,
                                   [&] { return test::httpRequest(fixture.port(), "GET", "/t"); });
        // The data comes once the entry thread collected garbage and waits on the user
        // thread, whose socket only the parked read holds.
        QVERIFY(waitFor([&] {
            bool waiting = false;
            fixture.call([&](engine::Engine& e) {
                for (const auto& request : e.debugger().snapshot().requests) {
                    for (const auto& co : request.coroutines) {
                        waiting = waiting || co.reason == engine::trace::YieldReason::ThreadWait;
                    }
                }
            });
            return waiting;
        }));
        server.release();
        QCOMPARE(body(response.get()), QByteArray("truelate\n"));
    }

    void completionWaitsInReadyListWhilePaused()
    {
        LoopbackServer server(gated("data\n"));
        test::EngineFixture fixture;
        std::string error;
        QVERIFY2(fixture.start(location("local s = ngx.socket.tcp()\n"
                                        "s:connect('127.0.0.1', " +
                                        portOf(server) +
                                        ")\n"
                                        "ngx.say(s:receive())"),
                               {}, error),
                 error.c_str());
        auto response = std::async(std::launch::async,
                                   [&] { return test::httpRequest(fixture.port(), "GET", "/t"); });
        // Pause once the read is parked; the data's arrival must then wait as a held resume.
        QVERIFY(waitFor([&] {
            bool parked = false;
            fixture.call([&](engine::Engine& e) {
                for (const auto& request : e.debugger().snapshot().requests) {
                    for (const auto& co : request.coroutines) {
                        parked = parked || co.reason == engine::trace::YieldReason::Socket;
                    }
                }
                if (parked) {
                    e.debugger().pause();
                }
            });
            return parked;
        }));
        server.release();
        QVERIFY(waitFor([&] {
            std::size_t ready = 0;
            fixture.call([&](engine::Engine& e) { ready = e.debugger().snapshot().ready.size(); });
            return ready == 1;
        }));
        fixture.call([](engine::Engine& e) { e.debugger().cont(); });
        QCOMPARE(body(response.get()), QByteArray("data\n"));
    }

    void killAndRequestEndLeaveNoDescriptor_data()
    {
        QTest::addColumn<QString>("lua");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("thread killed while parked in receive")
            << QStringLiteral("local t = ngx.thread.spawn(function() return s:receive() end)\n"
                              "ngx.sleep(0.05)\n"
                              "ngx.say(ngx.thread.kill(t))\n"
                              "ngx.say(s:receive())")
            << QByteArray("1\nnilclosed\n");
        QTest::newRow("request ends (ngx.exit) while a thread is parked")
            << QStringLiteral("ngx.thread.spawn(function() return s:receive() end)\n"
                              "ngx.sleep(0.05)\n"
                              "ngx.say('bye')\n"
                              "ngx.exit(200)")
            << QByteArray("bye\n");
        QTest::newRow("request ends with an idle connected socket")
            << QStringLiteral("s:send('x') ngx.say('done')") << QByteArray("done\n");
    }

    void killAndRequestEndLeaveNoDescriptor()
    {
        QFETCH(QString, lua);
        QFETCH(QByteArray, expected);
        LoopbackServer server(silent);
        test::EngineFixture fixture;
        std::string error;
        QVERIFY2(fixture.start(location("local s = ngx.socket.tcp()\n"
                                        "s:connect('127.0.0.1', " +
                                        portOf(server) + ")\n" + lua.toStdString()),
                               {}, error),
                 error.c_str());
        for (int round = 1; round <= 2; ++round) {
            QCOMPARE(body(test::httpRequest(fixture.port(), "GET", "/t")), expected);
            QVERIFY(waitFor([&] { return server.peerClosed() == round; }));
            QVERIFY2(waitFor([&] { return socketsTo(server.port()) == 0; }),
                     qPrintable(QStringLiteral("%1 sockets to the server left open")
                                    .arg(socketsTo(server.port()))));
        }
    }

    void semaphoreWaitIsAYield()
    {
        test::EngineFixture fixture;
        std::string error;
        QVERIFY2(fixture.start(location("local sema = require('ngx.semaphore').new(0)\n"
                                        "ngx.timer.at(0.05, function() sema:post() end)\n"
                                        "ngx.say(sema:wait(60))"),
                               {}, error),
                 error.c_str());
        QCOMPARE(body(test::httpRequest(fixture.port(), "GET", "/t")), QByteArray("truenil\n"));
        bool yieldedOnSemaphore = false;
        for (const auto& line : test::normalizedTrace(fixture.events())) {
            yieldedOnSemaphore = yieldedOnSemaphore || line == "yield 1 semaphore";
        }
        QVERIFY(yieldedOnSemaphore);
    }
};

QTEST_GUILESS_MAIN(TestCosocket)
#include "tst_cosocket.moc"
