// net::KeepalivePool: most recently used first with the reuse count, separate keys, the
// capacity closing the least recently used, and an idle connection dropped when its peer
// closes, sends stray bytes, or its idle timeout passes; the pool's end closes the rest.

#include "engine/net/keepalivepool.h"
#include "loopback.h"

#include <QtTest>

#include <asio/write.hpp>

using namespace restyscope;
using namespace restyscope::engine;
using namespace std::chrono_literals;

namespace {

// True once the server end sees the pooled connection closed.
bool closedByPool(asio::ip::tcp::socket& server)
{
    char byte = 0;
    std::error_code ec;
    server.read_some(asio::buffer(&byte, 1), ec);
    return ec == asio::error::eof;
}

} // namespace

class TestKeepalivePool : public QObject
{
    Q_OBJECT

    asio::io_context m_io;

private slots:
    void mostRecentFirstWithReuseCount()
    {
        test::LoopbackPair pair(m_io);
        asio::ip::tcp::socket serverA(m_io), serverB(m_io);
        auto a = test::connectTo(m_io, pair, serverA);
        auto b = test::connectTo(m_io, pair, serverB);
        QVERIFY(a && b);
        net::Stream* first = a.get();
        net::Stream* second = b.get();
        net::KeepalivePool pool;
        pool.put("k", std::move(a), 0, net::kNoTimeout, 30);
        pool.put("k", std::move(b), 4, net::kNoTimeout, 30);
        QCOMPARE(pool.idleCount("k"), std::size_t(2));
        QCOMPARE(pool.idleCount("other"), std::size_t(0));
        int reused = 0;
        QVERIFY(!pool.take("other", reused).get());
        auto taken = pool.take("k", reused);
        QVERIFY(taken.get() == second);
        QCOMPARE(reused, 5);
        taken = pool.take("k", reused);
        QVERIFY(taken.get() == first);
        QCOMPARE(reused, 1);
        QVERIFY(!pool.take("k", reused).get());
        // A taken connection is the caller's: the idle watch is gone.
        asio::write(serverA, asio::buffer("x", 1));
        QVERIFY(test::runUntil(m_io, [&] { return taken->peek() == net::Peek::Data; }));
    }

    void fullKeyClosesLeastRecentlyUsed()
    {
        test::LoopbackPair pair(m_io);
        asio::ip::tcp::socket servers[3]{asio::ip::tcp::socket(m_io), asio::ip::tcp::socket(m_io),
                                         asio::ip::tcp::socket(m_io)};
        net::KeepalivePool pool;
        for (auto& server : servers) {
            auto stream = test::connectTo(m_io, pair, server);
            QVERIFY(stream);
            pool.put("k", std::move(stream), 0, net::kNoTimeout, 2); // the first put sizes it
        }
        QCOMPARE(pool.idleCount("k"), std::size_t(2));
        QVERIFY(closedByPool(servers[0]));
    }

    void idleConnectionEnds_data()
    {
        QTest::addColumn<QString>("how");
        QTest::newRow("the peer closes") << QStringLiteral("close");
        QTest::newRow("stray bytes") << QStringLiteral("bytes");
        QTest::newRow("idle timeout") << QStringLiteral("timeout");
    }
    void idleConnectionEnds()
    {
        QFETCH(QString, how);
        test::LoopbackPair pair(m_io);
        asio::ip::tcp::socket server(m_io);
        auto stream = test::connectTo(m_io, pair, server);
        QVERIFY(stream);
        net::KeepalivePool pool;
        pool.put("k", std::move(stream), 0, how == QLatin1String("timeout") ? 50ms : 0ms, 30);
        QCOMPARE(pool.idleCount("k"), std::size_t(1));
        if (how == QLatin1String("close")) {
            server.close();
        } else if (how == QLatin1String("bytes")) {
            asio::write(server, asio::buffer("x", 1));
        }
        QVERIFY(test::runUntil(m_io, [&] { return pool.idleCount("k") == 0; }));
    }

    void poolEndClosesIdleConnections()
    {
        test::LoopbackPair pair(m_io);
        asio::ip::tcp::socket server(m_io);
        auto stream = test::connectTo(m_io, pair, server);
        QVERIFY(stream);
        {
            net::KeepalivePool pool;
            pool.put("k", std::move(stream), 0, net::kNoTimeout, 30);
        }
        QVERIFY(closedByPool(server));
        m_io.restart();
        m_io.poll(); // the aborted idle watch finds the pool gone
    }
};

QTEST_GUILESS_MAIN(TestKeepalivePool)
#include "tst_keepalivepool.moc"
