// net::TcpStream against a loopback peer the test drives by hand: connect (TCP, unix,
// refused), the non-blocking calls, asyncReadSome and asyncWrite with their timeouts (a
// timed-out read leaves the bytes that come later to the next read), the peer's close,
// peek, cancel and destruction ending pending calls, and an accepted socket moved in.

#include "engine/net/tcpstream.h"
#include "loopback.h"

#include <QtTest>

#include <asio/local/stream_protocol.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

#include <unistd.h>

#include <thread>

using namespace restyscope;
using namespace restyscope::engine;
using namespace std::chrono_literals;

class TestTcpStream : public QObject
{
    Q_OBJECT

    asio::io_context m_io;

private slots:
    void connectWriteAndRead()
    {
        test::LoopbackPair pair(m_io);
        asio::ip::tcp::socket server(m_io);
        auto stream = test::connectTo(m_io, pair, server);
        QVERIFY(stream);
        std::error_code ec;
        QCOMPARE(stream->writeSome("ping", 4, ec), std::size_t(4));
        QVERIFY(!ec);
        char got[4];
        asio::read(server, asio::buffer(got));
        QCOMPARE(QByteArray(got, 4), QByteArray("ping"));

        char buffer[16];
        QCOMPARE(stream->readSome(buffer, sizeof(buffer), ec), std::size_t(0));
        QVERIFY(ec == std::error_code(asio::error::would_block));
        asio::write(server, asio::buffer("hello", 5));
        std::size_t n = 0;
        bool done = false;
        stream->asyncReadSome(buffer, sizeof(buffer), 60s,
                              [&](const std::error_code& e, std::size_t bytes) {
                                  ec = e;
                                  n = bytes;
                                  done = true;
                              });
        QVERIFY(test::runUntil(m_io, [&] { return done; }));
        QVERIFY(!ec);
        QCOMPARE(QByteArray(buffer, static_cast<int>(n)), QByteArray("hello"));
    }

    void readTimeoutLeavesLaterBytesToTheNextRead()
    {
        test::LoopbackPair pair(m_io);
        asio::ip::tcp::socket server(m_io);
        auto stream = test::connectTo(m_io, pair, server);
        QVERIFY(stream);
        char buffer[16];
        std::error_code ec;
        std::size_t n = 0;
        bool done = false;
        const auto handler = [&](const std::error_code& e, std::size_t bytes) {
            ec = e;
            n = bytes;
            done = true;
        };
        stream->asyncReadSome(buffer, sizeof(buffer), 50ms, handler);
        QVERIFY(test::runUntil(m_io, [&] { return done; }));
        QVERIFY(ec == net::timedOut());
        QCOMPARE(n, std::size_t(0));

        asio::write(server, asio::buffer("late", 4));
        done = false;
        stream->asyncReadSome(buffer, sizeof(buffer), net::kNoTimeout, handler);
        QVERIFY(test::runUntil(m_io, [&] { return done; }));
        QVERIFY(!ec);
        QCOMPARE(QByteArray(buffer, static_cast<int>(n)), QByteArray("late"));
    }

    void peerCloseIsEof()
    {
        test::LoopbackPair pair(m_io);
        asio::ip::tcp::socket server(m_io);
        auto stream = test::connectTo(m_io, pair, server);
        QVERIFY(stream);
        QVERIFY(stream->peek() == net::Peek::Quiet);
        asio::write(server, asio::buffer("x", 1));
        QVERIFY(test::runUntil(m_io, [&] { return stream->peek() == net::Peek::Data; }));
        char byte = 0;
        std::error_code ec;
        QCOMPARE(stream->readSome(&byte, 1, ec), std::size_t(1));
        server.close();
        QVERIFY(test::runUntil(m_io, [&] { return stream->peek() == net::Peek::Closed; }));
        bool done = false;
        stream->asyncReadSome(&byte, 1, 60s, [&](const std::error_code& e, std::size_t) {
            ec = e;
            done = true;
        });
        QVERIFY(test::runUntil(m_io, [&] { return done; }));
        QVERIFY(ec == std::error_code(asio::error::eof));
    }

    void writeTimeoutWhenThePeerStopsReading()
    {
        test::LoopbackPair pair(m_io);
        asio::ip::tcp::socket server(m_io); // never read; open until the case ends
        auto stream = test::connectTo(m_io, pair, server);
        QVERIFY(stream);
        const std::string data(64 * 1024 * 1024, 'x');
        std::error_code ec;
        std::size_t n = 0;
        bool done = false;
        stream->asyncWrite(data.data(), data.size(), 100ms,
                           [&](const std::error_code& e, std::size_t bytes) {
                               ec = e;
                               n = bytes;
                               done = true;
                           });
        QVERIFY(test::runUntil(m_io, [&] { return done; }));
        QVERIFY(ec == net::timedOut());
        QVERIFY(n > 0 && n < data.size());
    }

    void asyncWriteWritesEverything()
    {
        test::LoopbackPair pair(m_io);
        asio::ip::tcp::socket server(m_io);
        auto stream = test::connectTo(m_io, pair, server);
        QVERIFY(stream);
        const std::string data(8 * 1024 * 1024, 'y');
        std::size_t received = 0;
        std::thread reader([&] {
            std::vector<char> buffer(65536);
            std::error_code ec;
            while (received < data.size()) {
                const std::size_t n = server.read_some(asio::buffer(buffer), ec);
                if (ec) {
                    break;
                }
                received += n;
            }
        });
        std::error_code ec;
        std::size_t n = 0;
        bool done = false;
        stream->asyncWrite(data.data(), data.size(), 60s,
                           [&](const std::error_code& e, std::size_t bytes) {
                               ec = e;
                               n = bytes;
                               done = true;
                           });
        QVERIFY(test::runUntil(m_io, [&] { return done; }));
        reader.join();
        QVERIFY(!ec);
        QCOMPARE(n, data.size());
        QCOMPARE(received, data.size());
    }

    void connectRefused()
    {
        asio::ip::tcp::endpoint nobody;
        {
            test::LoopbackPair closed(m_io);
            nobody = closed.endpoint();
        }
        net::TcpStream stream(m_io);
        std::error_code ec = stream.startConnect(nobody);
        if (ec == asio::error::in_progress) {
            bool done = false;
            stream.finishConnect(60s, [&](const std::error_code& e) {
                ec = e;
                done = true;
            });
            QVERIFY(test::runUntil(m_io, [&] { return done; }));
        }
        QVERIFY(ec == std::error_code(ECONNREFUSED, std::system_category()));
    }

    void connectToAUnixPath()
    {
        const std::string path = QDir::tempPath().toStdString() + "/restyscope-tst-tcpstream-" +
                                 std::to_string(::getpid()) + ".sock";
        ::unlink(path.c_str());
        asio::local::stream_protocol::acceptor acceptor(
            m_io, asio::local::stream_protocol::endpoint(path));
        net::TcpStream stream(m_io);
        std::error_code ec = stream.startConnect(asio::local::stream_protocol::endpoint(path));
        if (ec == asio::error::in_progress) {
            bool done = false;
            stream.finishConnect(60s, [&](const std::error_code& e) {
                ec = e;
                done = true;
            });
            QVERIFY(test::runUntil(m_io, [&] { return done; }));
        }
        QVERIFY2(!ec, ec.message().c_str());
        auto server = acceptor.accept();
        asio::write(server, asio::buffer("u", 1));
        char byte = 0;
        QVERIFY(test::runUntil(m_io, [&] {
            std::error_code e;
            return stream.readSome(&byte, 1, e) == 1;
        }));
        QCOMPARE(byte, 'u');
        ::unlink(path.c_str());
    }

    void cancelAndDestructionEndPendingCalls()
    {
        test::LoopbackPair pair(m_io);
        asio::ip::tcp::socket server(m_io);
        auto stream = test::connectTo(m_io, pair, server);
        QVERIFY(stream);
        char buffer[4];
        std::error_code ec;
        int calls = 0;
        const auto handler = [&](const std::error_code& e, std::size_t) {
            ec = e;
            ++calls;
        };
        stream->asyncReadSome(buffer, sizeof(buffer), 60s, handler);
        stream->cancel();
        QVERIFY(test::runUntil(m_io, [&] { return calls == 1; }));
        QVERIFY(ec == std::error_code(asio::error::operation_aborted));
        QVERIFY(stream->isOpen());

        stream->asyncReadSome(buffer, sizeof(buffer), 60s, handler);
        stream.reset();
        QVERIFY(test::runUntil(m_io, [&] { return calls == 2; }));
        QVERIFY(ec == std::error_code(asio::error::operation_aborted));
        m_io.restart();
        m_io.poll();
        QCOMPARE(calls, 2);
    }

    void acceptedSocketMovesIn()
    {
        test::LoopbackPair pair(m_io);
        asio::ip::tcp::socket client(m_io);
        client.connect(pair.endpoint());
        net::TcpStream stream(pair.accept());
        std::error_code ec;
        QVERIFY(stream.localEndpoint(ec) == pair.endpoint());
        QVERIFY(stream.remoteEndpoint(ec) == client.local_endpoint());
        stream.setNoDelay(ec);
        QVERIFY(!ec);
        asio::write(client, asio::buffer("abc", 3));
        char buffer[8];
        std::size_t n = 0;
        bool done = false;
        stream.startReadSome(asio::buffer(buffer),
                             [&](const std::error_code& e, std::size_t bytes) {
                                 ec = e;
                                 n = bytes;
                                 done = true;
                             });
        QVERIFY(test::runUntil(m_io, [&] { return done; }));
        QCOMPARE(QByteArray(buffer, static_cast<int>(n)), QByteArray("abc"));
        stream.shutdownSend(ec);
        QVERIFY(!ec);
        char byte = 0;
        client.read_some(asio::buffer(&byte, 1), ec);
        QVERIFY(ec == std::error_code(asio::error::eof));
    }
};

QTEST_GUILESS_MAIN(TestTcpStream)
#include "tst_tcpstream.moc"
