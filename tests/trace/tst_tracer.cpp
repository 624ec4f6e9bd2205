// The probe list, the Event value and the Tracer's guard, numbering and fan-out.

#include "engine/trace/event.h"
#include "engine/trace/probes.h"
#include "engine/trace/tracer.h"

#include <QtTest>

#include <bit>
#include <set>
#include <string>
#include <vector>

using namespace restyscope::engine::trace;

namespace {

class RecordingSink : public EventSink
{
public:
    void onEvent(const Event& event) override { events.push_back(event); }
    std::vector<Event> events;
};

QString qs(std::string_view s)
{
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

// Counts how often the probe's field expression is evaluated.
int evaluations = 0;
std::int64_t counted(std::int64_t v)
{
    ++evaluations;
    return v;
}

} // namespace

class TestTracer : public QObject
{
    Q_OBJECT

private slots:
    void eventKindNames_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("name");
        QTest::newRow("first") << int(EventKind::RequestBegin) << "request begin";
        QTest::newRow("vm create") << int(EventKind::VmCreate) << "vm create";
        QTest::newRow("cache miss") << int(EventKind::CacheMiss) << "cache miss";
        QTest::newRow("create") << int(EventKind::CoroutineCreate) << "create";
        QTest::newRow("yield") << int(EventKind::CoroutineYield) << "yield";
        QTest::newRow("run posted") << int(EventKind::RunPosted) << "run posted";
        QTest::newRow("last") << int(EventKind::EventsDropped) << "events dropped";
        QTest::newRow("out of range") << int(kEventKindCount) << "?";
    }
    void eventKindNames()
    {
        QFETCH(int, kind);
        QFETCH(QString, name);
        QCOMPARE(qs(eventKindName(static_cast<EventKind>(kind))), name);
    }

    void yieldReasonNames_data()
    {
        QTest::addColumn<int>("reason");
        QTest::addColumn<QString>("name");
        QTest::newRow("none") << int(YieldReason::None) << "none";
        QTest::newRow("sleep") << int(YieldReason::Sleep) << "sleep";
        QTest::newRow("thread spawn") << int(YieldReason::ThreadSpawn) << "thread spawn";
        QTest::newRow("thread wait") << int(YieldReason::ThreadWait) << "thread wait";
        QTest::newRow("coroutine resume")
            << int(YieldReason::CoroutineResume) << "coroutine resume";
        QTest::newRow("coroutine yield") << int(YieldReason::CoroutineYield) << "coroutine yield";
        QTest::newRow("socket") << int(YieldReason::Socket) << "socket";
        QTest::newRow("request body") << int(YieldReason::RequestBody) << "request body";
        QTest::newRow("flush") << int(YieldReason::Flush) << "flush";
        QTest::newRow("exit") << int(YieldReason::Exit) << "exit";
        QTest::newRow("exec") << int(YieldReason::Exec) << "exec";
        QTest::newRow("redirect") << int(YieldReason::Redirect) << "redirect";
        QTest::newRow("subrequest") << int(YieldReason::Subrequest) << "subrequest";
        QTest::newRow("semaphore") << int(YieldReason::Semaphore) << "semaphore";
    }
    void yieldReasonNames()
    {
        QFETCH(int, reason);
        QFETCH(QString, name);
        QCOMPARE(qs(yieldReasonName(static_cast<YieldReason>(reason))), name);
    }

    void namesAreUniqueAndComplete()
    {
        QCOMPARE(kYieldReasonCount, std::size_t(14));
        QCOMPARE(kCoroutineTypeCount, std::size_t(4));
        QCOMPARE(qs(coroutineTypeName(CoroutineType::UserThread)), QStringLiteral("user thread"));
        std::set<std::string_view> names;
        for (std::size_t i = 0; i < kEventKindCount; ++i) {
            const std::string_view name = eventKindName(static_cast<EventKind>(i));
            QVERIFY2(!name.empty() && name != "?", qPrintable(QString::number(i)));
            names.insert(name);
        }
        QCOMPARE(names.size(), kEventKindCount);
        QCOMPARE(std::popcount(kAllEventKinds), int(kEventKindCount));
    }

    void guardWithoutSinks()
    {
        Tracer tracer;
        QVERIFY(!tracer.enabled());
        QVERIFY(!tracer.enabled(EventKind::CacheHit));
        evaluations = 0;
        RESTYSCOPE_PROBE(tracer, CacheHit, .value(counted(7)));
        QCOMPARE(evaluations, 0); // arguments are not even built
        QCOMPARE(tracer.lastSeq(), std::uint64_t(0));
    }

    void guardFilter_data()
    {
        QTest::addColumn<bool>("filterToCache");
        QTest::newRow("all kinds") << false;
        QTest::newRow("cache kinds only") << true;
    }
    void guardFilter()
    {
        QFETCH(bool, filterToCache);
        Tracer tracer;
        RecordingSink sink;
        tracer.attach(&sink);
        if (filterToCache) {
            tracer.setKindFilter(eventKindBit(EventKind::CacheHit) |
                                 eventKindBit(EventKind::CacheMiss));
        }
        evaluations = 0;
        RESTYSCOPE_PROBE(tracer, VmCreate, .vm(1).value(counted(1)));
        RESTYSCOPE_PROBE(tracer, CacheMiss, .vm(1).value(counted(-1)));
        QCOMPARE(evaluations, filterToCache ? 1 : 2);
        QCOMPARE(sink.events.size(), std::size_t(filterToCache ? 1 : 2));
        QCOMPARE(int(sink.events.back().kind), int(EventKind::CacheMiss));
        QCOMPARE(sink.events.back().value, std::int64_t(-1));
        tracer.detach(&sink);
        QVERIFY(!tracer.enabled());
    }

    void sinkReceivesOrderedSeq()
    {
        Tracer tracer;
        RecordingSink first;
        RecordingSink second;
        tracer.attach(&first);
        tracer.attach(&second);
        tracer.attach(&first); // attached once only
        for (int i = 0; i < 5; ++i) {
            RESTYSCOPE_PROBE(tracer, CoroutineYield,
                             .request(9)
                                 .vm(2)
                                 .coroutine(std::uint32_t(i + 1), 1)
                                 .reason(YieldReason::Sleep)
                                 .value(i)
                                 .text("ngx.sleep"));
        }
        QCOMPARE(first.events.size(), std::size_t(5));
        QCOMPARE(second.events.size(), std::size_t(5));
        for (std::size_t i = 0; i < 5; ++i) {
            const Event& e = first.events[i];
            QCOMPARE(e.seq, std::uint64_t(i + 1));
            QCOMPARE(second.events[i].seq, e.seq);
            if (i > 0) {
                QVERIFY(e.timeNs >= first.events[i - 1].timeNs);
            }
            QCOMPARE(e.requestId, std::uint64_t(9));
            QCOMPARE(e.coroutineId, std::uint32_t(i + 1));
            QCOMPARE(e.parentCoroutineId, std::uint32_t(1));
            QCOMPARE(int(e.reason), int(YieldReason::Sleep));
            QCOMPARE(qs(e.textView()), QStringLiteral("ngx.sleep"));
        }
        QVERIFY(first.events.front().timeNs > 0);
        tracer.detach(&second);
        RESTYSCOPE_PROBE(tracer, Output, .value(3));
        QCOMPARE(first.events.back().seq, std::uint64_t(6));
        QCOMPARE(second.events.size(), std::size_t(5));
    }

    void inlineText_data()
    {
        QTest::addColumn<int>("length");
        QTest::addColumn<bool>("tail");
        QTest::addColumn<bool>("truncated");
        QTest::newRow("short") << 10 << false << false;
        QTest::newRow("exactly full") << int(Event::kTextCapacity - 1) << false << false;
        QTest::newRow("long head") << 300 << false << true;
        QTest::newRow("long tail") << 300 << true << true;
    }
    void inlineText()
    {
        QFETCH(int, length);
        QFETCH(bool, tail);
        QFETCH(bool, truncated);
        std::string text;
        for (int i = 0; i < length; ++i) {
            text.push_back(char('a' + i % 26));
        }
        Event e;
        if (tail) {
            e.setTextTail(text);
        } else {
            e.setText(text);
        }
        QCOMPARE(e.textTruncated, truncated);
        QVERIFY(e.textView().size() <= Event::kTextCapacity - 1);
        QCOMPARE(e.text[e.textLength], '\0');
        if (!truncated) {
            QCOMPARE(qs(e.textView()), qs(text));
        } else if (tail) {
            QVERIFY(e.textView().starts_with("..."));
            QVERIFY(std::string_view(text).ends_with(e.textView().substr(3)));
        } else {
            QVERIFY(std::string_view(text).starts_with(e.textView()));
        }

        // A copy owns its text: nothing points back at the source string.
        const Event copy = e;
        text.assign(text.size(), 'z');
        QCOMPARE(qs(copy.textView()), qs(e.textView()));
    }
};

QTEST_GUILESS_MAIN(TestTracer)
#include "tst_tracer.moc"
