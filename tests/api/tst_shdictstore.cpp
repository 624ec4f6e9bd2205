// The shared-dict zone bookkeeping: expiry against the caller's clock, LRU order and
// eviction (forcible), "no memory" for the safe variants, lists, flush_all/flush_expired.

#include "engine/api/shdictstore.h"

#include <QtTest>

using namespace restyscope::engine::api;
using Store = SharedDictStore;

namespace {

ShdictValue str(const std::string& s)
{
    ShdictValue v;
    v.type = ShdictValue::Type::String;
    v.string = s;
    return v;
}

QByteArrayList keys(const Store& s, double now)
{
    QByteArrayList out;
    for (const std::string& k : s.keys(0, now)) {
        out << QByteArray::fromStdString(k);
    }
    return out;
}

} // namespace

class TestShdictStore : public QObject
{
    Q_OBJECT

private slots:
    void ops_data()
    {
        QTest::addColumn<int>("op");
        QTest::addColumn<bool>("existing");
        QTest::addColumn<bool>("expiredFirst");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QByteArray>("error");
        const int set = int(Store::Op::Set), add = int(Store::Op::Add),
                  rep = int(Store::Op::Replace);
        QTest::newRow("set new") << set << false << false << true << QByteArray();
        QTest::newRow("add new") << add << false << false << true << QByteArray();
        QTest::newRow("add existing") << add << true << false << false << QByteArray("exists");
        QTest::newRow("add over expired") << add << true << true << true << QByteArray();
        QTest::newRow("replace missing")
            << rep << false << false << false << QByteArray("not found");
        QTest::newRow("replace existing") << rep << true << false << true << QByteArray();
        QTest::newRow("replace expired") << rep << true << true << false << QByteArray("not found");
    }
    void ops()
    {
        QFETCH(int, op);
        QFETCH(bool, existing);
        QFETCH(bool, expiredFirst);
        QFETCH(bool, ok);
        QFETCH(QByteArray, error);
        Store s("d", 1 << 20);
        if (existing) {
            s.store(Store::Op::Set, false, "k", str("old"), expiredFirst ? 10 : 0, 0, 1000);
        }
        const auto r = s.store(Store::Op(op), false, "k", str("new"), 0, 0, 2000);
        QCOMPARE(r.status == Store::Status::Ok, ok);
        QCOMPARE(QByteArray(r.error ? r.error : ""), error);
        QCOMPARE(QByteArray::fromStdString(s.get("k", false, 2000).value.string),
                 ok ? QByteArray("new")
                    : (existing && !expiredFirst ? QByteArray("old") : QByteArray()));
    }

    void expiry()
    {
        Store s("d", 1 << 20);
        s.store(Store::Op::Set, false, "k", str("v"), 500, 7, 1000.0);
        QCOMPARE(s.ttl("k", 1200.0).value(), 300.0);
        QVERIFY(s.get("k", false, 1499.0).found);
        QVERIFY(!s.get("k", false, 1500.0).found);
        const auto stale = s.get("k", true, 1500.0);
        QVERIFY(stale.found && stale.stale);
        QCOMPARE(stale.flags, 7u);
        QCOMPARE(s.ttl("k", 1600.0).value(), -100.0); // expired, not yet removed
        QCOMPARE(s.flushExpired(0, 1500.0), 1);
        QVERIFY(!s.get("k", true, 1500.0).found);
    }

    void slabModel_data()
    {
        // Free space of an empty zone, recorded from nginx 1.22.1 (free_space()).
        QTest::addColumn<qulonglong>("size");
        QTest::addColumn<qulonglong>("free");
        QTest::newRow("12k") << 12288ull << 0ull;
        QTest::newRow("32k") << 32768ull << 20480ull;
        QTest::newRow("64k") << 65536ull << 53248ull;
        QTest::newRow("100k") << 102400ull << 90112ull;
        QTest::newRow("1m") << 1048576ull << 1032192ull;
        QTest::newRow("10m") << 10485760ull << 10412032ull;
        QTest::newRow("100m") << 104857600ull << 104235008ull;
    }
    void slabModel()
    {
        QFETCH(qulonglong, size);
        QFETCH(qulonglong, free);
        Store s("d", size);
        QCOMPARE(qulonglong(s.capacity()), size);
        QCOMPARE(qulonglong(s.freeSpace()), free);
    }

    void slabClasses()
    {
        // 64k: 13 pages. 1000-byte values take 2048-byte chunks, two per page (nginx: 26
        // such entries fit, free_space drops by a page every second set).
        Store s("d", 65536);
        const std::string big(1000, 'x');
        s.store(Store::Op::Set, false, "k1", str(big), 0, 0, 0);
        QCOMPARE(s.freeSpace(), 49152u);
        s.store(Store::Op::Set, false, "k2", str(big), 0, 0, 0);
        QCOMPARE(s.freeSpace(), 49152u);
        s.store(Store::Op::Set, false, "k3", str(big), 0, 0, 0);
        QCOMPARE(s.freeSpace(), 45056u);
        for (int i = 4; i <= 26; ++i) {
            QVERIFY(!s.store(Store::Op::Set, false, "k" + std::to_string(i), str(big), 0, 0, 0)
                         .forcible);
        }
        QCOMPARE(s.freeSpace(), 0u);
        QVERIFY(s.store(Store::Op::Set, false, "k27", str(big), 0, 0, 0).forcible);
        QCOMPARE(int(s.keys(0, 0).size()), 26);
    }

    void smallEntriesShareReservedPages()
    {
        // nginx: a 12k zone has no free page, yet a small entry fits in the page the shdict
        // context's 128-byte chunk opened; a 1000-byte one does not.
        Store s("tiny", 12288);
        QCOMPARE(s.store(Store::Op::Set, true, "a", str("b"), 0, 0, 0).status, Store::Status::Ok);
        QCOMPARE(s.store(Store::Op::Set, false, "c", str(std::string(1000, 'x')), 0, 0, 0).status,
                 Store::Status::Error);
    }

    void lruOrderAndEviction()
    {
        // 32k: 5 pages; values above 2048 bytes take a whole page each.
        Store s("d", 32768);
        const std::string big(3000, 'x');
        for (const char* k : {"k1", "k2", "k3", "k4", "k5"}) {
            QVERIFY(!s.store(Store::Op::Set, false, k, str(big), 0, 0, 0).forcible);
        }
        QCOMPARE(keys(s, 0), QByteArrayList({"k1", "k2", "k3", "k4", "k5"}));
        s.get("k1", false, 0); // k1 becomes the most recent: k2 is now the LRU tail
        QCOMPARE(keys(s, 0), QByteArrayList({"k2", "k3", "k4", "k5", "k1"}));
        const auto safe = s.store(Store::Op::Set, true, "k6", str(big), 0, 0, 0);
        QCOMPARE(safe.status, Store::Status::Error);
        QCOMPARE(QByteArray(safe.error), QByteArray("no memory"));
        const auto forced = s.store(Store::Op::Set, false, "k6", str(big), 0, 0, 0);
        QCOMPARE(forced.status, Store::Status::Ok);
        QVERIFY(forced.forcible);
        QCOMPARE(keys(s, 0), QByteArrayList({"k3", "k4", "k5", "k1", "k6"}));
        QCOMPARE(s.freeSpace(), 0u);
    }

    void expiredEvictedBeforeValid()
    {
        Store s("d", 32768);
        const std::string big(3000, 'x');
        s.store(Store::Op::Set, false, "k1", str(big), 10, 0, 0);
        for (const char* k : {"k2", "k3", "k4", "k5"}) {
            s.store(Store::Op::Set, false, k, str(big), 0, 0, 0);
        }
        // k1 is the tail and expired: the expire step frees it, even for safe_set.
        const auto r = s.store(Store::Op::Set, true, "k6", str(big), 0, 0, 100);
        QCOMPARE(r.status, Store::Status::Ok);
        QVERIFY(!r.forcible);
        QCOMPARE(keys(s, 100), QByteArrayList({"k2", "k3", "k4", "k5", "k6"}));
    }

    void lists()
    {
        Store s("d", 1 << 20);
        std::size_t len = 0;
        s.push("l", true, str("a"), 0, &len);
        s.push("l", false, str("b"), 0, &len);
        QCOMPARE(len, std::size_t(2));
        ShdictValue v;
        bool found = false;
        s.pop("l", false, 0, &v, &found);
        QVERIFY(found);
        QCOMPARE(QByteArray::fromStdString(v.string), QByteArray("b"));
        s.pop("l", false, 0, &v, &found);
        s.pop("l", false, 0, &v, &found);
        QVERIFY(!found);
        QVERIFY(keys(s, 0).isEmpty()); // an emptied list is removed
        s.store(Store::Op::Set, false, "s", str("x"), 0, 0, 0);
        QCOMPARE(QByteArray(s.push("s", true, str("a"), 0, &len).error),
                 QByteArray("value not a list"));
    }

    void incrAndFlush()
    {
        Store s("d", 1 << 20);
        double out = 0;
        QCOMPARE(QByteArray(s.incr("c", 1, std::nullopt, 0, 0, &out).error),
                 QByteArray("not found"));
        QCOMPARE(s.incr("c", 2, 10.0, 1000, 0, &out).status, Store::Status::Ok);
        QCOMPARE(out, 12.0);
        s.incr("c", 1, std::nullopt, 0, 0, &out);
        QCOMPARE(out, 13.0);
        QCOMPARE(s.ttl("c", 0).value(), 1000.0); // incr keeps the expiry
        s.flushAll();
        QVERIFY(!s.get("c", false, 10).found);
        QVERIFY(s.get("c", true, 10).found);
    }
};

QTEST_APPLESS_MAIN(TestShdictStore)
#include "tst_shdictstore.moc"
