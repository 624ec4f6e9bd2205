// The engine-to-consumer ring: ordered delivery across threads, drops counted and reported
// in-band, never a blocked producer.

#include "engine/trace/eventring.h"

#include <QtTest>

#include <atomic>
#include <thread>

using namespace restyscope::engine::trace;

namespace {

Event numbered(std::uint64_t seq)
{
    Event event;
    event.seq = seq;
    event.kind = EventKind::CoroutineResume;
    event.setText("event " + std::to_string(seq));
    return event;
}

} // namespace

class TestEventRing : public QObject
{
    Q_OBJECT

private slots:
    void deliversInOrderAcrossThreads()
    {
        EventRing ring(1024);
        constexpr std::uint64_t total = 200000;
        std::atomic<bool> done{false};
        std::thread producer([&] {
            for (std::uint64_t i = 1; i <= total; ++i) {
                ring.onEvent(numbered(i));
            }
            done = true;
        });
        std::uint64_t received = 0;
        std::uint64_t reportedDrops = 0;
        std::uint64_t lastSeq = 0;
        bool ordered = true;
        bool textsIntact = true;
        for (;;) {
            const bool finished = done.load();
            std::vector<Event> batch;
            ring.drain(batch);
            for (const auto& event : batch) {
                if (event.kind == EventKind::EventsDropped) {
                    reportedDrops += static_cast<std::uint64_t>(event.value);
                    continue;
                }
                ordered = ordered && event.seq > lastSeq;
                textsIntact =
                    textsIntact && event.textView() == "event " + std::to_string(event.seq);
                lastSeq = event.seq;
                ++received;
            }
            if (finished && batch.empty()) {
                break;
            }
            if (batch.empty()) {
                std::this_thread::yield();
            }
        }
        producer.join();
        QVERIFY(ordered);
        QVERIFY(textsIntact);
        QCOMPARE(received + ring.droppedTotal(), total);
        QVERIFY(reportedDrops <= ring.droppedTotal()); // trailing drops await the next event
    }

    void fullRingDropsAndReports()
    {
        EventRing ring(8);
        for (std::uint64_t i = 1; i <= 20; ++i) {
            ring.onEvent(numbered(i)); // nobody reads: 8 fit, 12 are dropped
        }
        QCOMPARE(ring.droppedTotal(), std::uint64_t(12));
        std::vector<Event> out;
        QCOMPARE(ring.drain(out), std::size_t(8));
        QCOMPARE(out.front().seq, std::uint64_t(1));
        QCOMPARE(out.back().seq, std::uint64_t(8));
        out.clear();
        ring.onEvent(numbered(21));
        QCOMPARE(ring.drain(out), std::size_t(2));
        QCOMPARE(out[0].kind, EventKind::EventsDropped);
        QCOMPARE(out[0].value, std::int64_t(12));
        QCOMPARE(out[1].seq, std::uint64_t(21));
    }
};

QTEST_GUILESS_MAIN(TestEventRing)
#include "tst_eventring.moc"
