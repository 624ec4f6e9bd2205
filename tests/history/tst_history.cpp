// The request history, fed the probe events of real runs of the bundled example: the
// records of /api/threads (user threads, a user coroutine, sleeps), of a failing handler, of
// a timer and a subrequest, and the memory bounds (oldest evicted first, counted).

#include "engine/history/history.h"
#include "engine/history/waitchain.h"
#include "engine/trace/tracer.h"
#include "tests/common/examplerun.h"
#include "tests/common/httpclient.h"

#include <QRegularExpression>
#include <QtTest>

#include <map>
#include <thread>

using namespace restyscope;
using engine::history::CoroutineState;
using engine::history::History;
using engine::history::RecordKind;
using engine::history::RequestRecord;
using engine::history::Span;

namespace {

// One line per coroutine, coroutine ids renumbered by first appearance:
//   "user thread 2 in 1 finished: run, sleep [sleep 200 ms], run"
QStringList lanes(const RequestRecord& record)
{
    std::map<std::uint32_t, int> numbers;
    auto number = [&](std::uint32_t id) {
        return numbers.emplace(id, static_cast<int>(numbers.size()) + 1).first->second;
    };
    for (const auto& co : record.coroutines) {
        number(co.id);
    }
    static const QRegularExpression named(
        QStringLiteral("(entry|user thread|user coroutine|timer) (\\d+)"));
    auto renumber = [&](QString text) {
        auto match = named.match(text);
        if (match.hasMatch()) {
            text.replace(match.capturedStart(2), match.capturedLength(2),
                         QString::number(number(match.captured(2).toUInt())));
        }
        return text;
    };
    QStringList out;
    for (const auto& co : record.coroutines) {
        QString line = QString::fromUtf8(engine::trace::coroutineTypeName(co.type).data()) +
                       QLatin1Char(' ') + QString::number(number(co.id));
        if (co.parent) {
            line += QStringLiteral(" in ") + QString::number(number(co.parent));
        }
        line += QLatin1Char(' ') +
                QString::fromUtf8(engine::history::coroutineStateName(co.state).data()) +
                QLatin1Char(':');
        QStringList spans;
        for (const auto& span : co.spans) {
            if (span.kind == Span::Kind::Run) {
                spans << QStringLiteral("run");
                continue;
            }
            QString text = QString::fromUtf8(engine::trace::yieldReasonName(span.reason).data());
            if (!span.waitedOn.empty()) {
                text += QStringLiteral(" [") + renumber(QString::fromStdString(span.waitedOn)) +
                        QLatin1Char(']');
            }
            spans << text;
        }
        out << line + QLatin1Char(' ') + spans.join(QStringLiteral(", "));
    }
    return out;
}

const Span* firstWait(const engine::history::CoroutineRecord& co, engine::trace::YieldReason reason)
{
    for (const auto& span : co.spans) {
        if (span.kind == Span::Kind::Wait && span.reason == reason) {
            return &span;
        }
    }
    return nullptr;
}

History historyOf(const std::vector<engine::trace::Event>& events,
                  engine::history::Limits limits = {})
{
    History history(limits);
    history.apply(events.data(), events.size());
    return history;
}

} // namespace

class TestHistory : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        std::string error;
        QVERIFY2(test::startExample(
                     m_fixture, error,
                     {{"lua/timer.lua", "ngx.timer.at(0, function() ngx.sleep(0.01) end)\n"
                                        "ngx.say('armed')\n"},
                      {"lua/capture.lua", "local res = ngx.location.capture('/api/hello')\n"
                                          "ngx.print(res.body)\n"}}),
                 error.c_str());
    }
    void cleanupTestCase() { m_fixture.stop(); }
    void init() { m_fixture.clearEvents(); }

    // Run twice, as the scheduler tests do: the record has the same shape each time.
    void threadsRequest_data()
    {
        QTest::addColumn<int>("round");
        QTest::addRow("first") << 1;
        QTest::addRow("second") << 2;
    }
    void threadsRequest()
    {
        int status = 0;
        const auto id = test::getAndWait(m_fixture, "/api/threads", &status);
        QVERIFY(id != 0);
        QCOMPARE(status, 200);
        const History history = historyOf(m_fixture.events());
        const RequestRecord* record = history.find(id);
        QVERIFY(record);
        QCOMPARE(record->request, std::string("GET /api/threads"));
        QCOMPARE(record->kind, RecordKind::Request);
        QVERIFY(record->done);
        QVERIFY(!record->partial);
        QCOMPARE(record->status, 200);
        QVERIFY(record->outputBytes > 0);
        QCOMPARE(record->phases.back().name, std::string("content"));
        const QStringList expected = {
            QStringLiteral("entry 1 finished: run, thread spawn [user thread 2], run, "
                           "thread spawn [user thread 3], run, coroutine resume [user coroutine "
                           "4], run, coroutine resume [user coroutine 4], run, coroutine resume "
                           "[user coroutine 4], run, thread wait [user thread 2], run, sleep "
                           "[sleep 0 ms], run"),
            QStringLiteral("user thread 2 in 1 finished: run, sleep [sleep 200 ms], run"),
            QStringLiteral("user thread 3 in 1 finished: run, sleep [sleep 100 ms], run"),
            QStringLiteral("user coroutine 4 in 1 abandoned: run, coroutine yield, run, "
                           "coroutine yield, run, coroutine yield"),
        };
        if (lanes(*record) != expected) {
            qInfo().noquote() << lanes(*record).join(QLatin1Char('\n'));
        }
        QCOMPARE(lanes(*record), expected);

        // The times are the run's: thread a sleeps 0.2 s, b 0.1 s, in parallel.
        const auto& a = record->coroutines[1];
        const auto& b = record->coroutines[2];
        const Span* sleepA = firstWait(a, engine::trace::YieldReason::Sleep);
        const Span* sleepB = firstWait(b, engine::trace::YieldReason::Sleep);
        QVERIFY(sleepA && sleepB);
        QVERIFY(sleepA->endNs - sleepA->beginNs >= 190'000'000);
        QVERIFY(sleepB->endNs - sleepB->beginNs >= 90'000'000);
        QVERIFY(sleepB->beginNs < sleepA->endNs); // they overlap
        QVERIFY(record->durationNs() >= sleepA->endNs - sleepA->beginNs);
        // Each wait ended at the next run's start, and the thread wait was ended by thread a.
        const auto& entry = record->coroutines[0];
        for (std::size_t i = 1; i < entry.spans.size(); ++i) {
            QCOMPARE(entry.spans[i].beginNs, entry.spans[i - 1].endNs);
        }
        const Span* wait = firstWait(entry, engine::trace::YieldReason::ThreadWait);
        QVERIFY(wait);
        QCOMPARE(wait->wokenBy, a.id);
        // The yield event says where: the ngx.thread.wait line of threads.lua.
        QVERIFY(wait->source.known());
        QVERIFY2(QString::fromStdString(wait->source.file).endsWith(QLatin1String("threads.lua")),
                 wait->source.file.c_str());
        QCOMPARE(wait->source.line, 15); // ngx.say(select(2, ngx.thread.wait(a)))
    }

    void failedHandler()
    {
        int status = 0;
        const auto id = test::getAndWait(m_fixture, "/api/broken", &status);
        QVERIFY(id != 0);
        QCOMPARE(status, 500);
        const History history = historyOf(m_fixture.events());
        const RequestRecord* record = history.find(id);
        QVERIFY(record);
        QCOMPARE(record->status, 500);
        QCOMPARE(record->coroutines.size(), std::size_t(1));
        const auto& entry = record->coroutines.front();
        QCOMPARE(entry.state, CoroutineState::Failed);
        QVERIFY(!entry.error.empty());
        QVERIFY2(entry.errorAt.known(), entry.error.c_str());
        QVERIFY2(QString::fromStdString(entry.errorAt.file).endsWith(QLatin1String("broken.lua")),
                 entry.errorAt.file.c_str());
        QVERIFY(!record->errors.empty());
    }

    void timerAndSubrequest()
    {
        QVERIFY(test::getAndWait(m_fixture, "/api/timer") != 0);
        const auto parentId = test::getAndWait(m_fixture, "/api/capture");
        QVERIFY(parentId != 0);
        // The timer sleeps 10 ms after its creator ended.
        const RequestRecord* timer = nullptr;
        History history;
        for (int i = 0; i < 200 && !timer; ++i) {
            history.clear();
            const auto events = m_fixture.events();
            history.apply(events.data(), events.size());
            for (std::size_t r = 0; r < history.size(); ++r) {
                if (history.at(r).kind == RecordKind::Timer && history.at(r).done) {
                    timer = &history.at(r);
                }
            }
            if (!timer) {
                QTest::qWait(10);
            }
        }
        QVERIFY(timer);
        QCOMPARE(lanes(*timer),
                 QStringList{QStringLiteral("timer 1 finished: run, sleep [sleep 10 ms], run")});

        const RequestRecord* parent = history.find(parentId);
        QVERIFY(parent);
        QCOMPARE(parent->subrequests.size(), std::size_t(1));
        const RequestRecord* child = history.find(parent->subrequests.front());
        QVERIFY(child);
        QCOMPARE(child->kind, RecordKind::Subrequest);
        QCOMPARE(child->parentRequest, parentId);
        QCOMPARE(child->request, std::string("GET /api/hello"));
        QVERIFY(child->done);
        QCOMPARE(lanes(*parent), QStringList{QStringLiteral(
                                     "entry 1 finished: run, subrequest [GET /api/hello], run")});
    }

    void boundedByCount()
    {
        for (int i = 0; i < 5; ++i) {
            QVERIFY(test::getAndWait(m_fixture, "/api/hello") != 0);
        }
        const auto events = m_fixture.events();
        const History all = historyOf(events);
        QCOMPARE(all.size(), std::size_t(5));
        QCOMPARE(all.evictedCount(), std::uint64_t(0));
        const History bounded = historyOf(events, {3, std::size_t{256} << 20, true});
        QCOMPARE(bounded.size(), std::size_t(3));
        QCOMPARE(bounded.evictedCount(), std::uint64_t(2));
        // The oldest went: the three left are the last three.
        QCOMPARE(bounded.at(0).id, all.at(2).id);
        QCOMPARE(bounded.at(2).id, all.at(4).id);
        QVERIFY(!bounded.find(all.at(0).id));
    }

    void boundedByBytes()
    {
        for (int i = 0; i < 6; ++i) {
            QVERIFY(test::getAndWait(m_fixture, "/api/threads") != 0);
        }
        const auto events = m_fixture.events();
        const History all = historyOf(events);
        QCOMPARE(all.size(), std::size_t(6));
        QVERIFY(all.bytes() > 0);
        const std::size_t perRecord = all.bytes() / all.size();
        // Room for about two records: the rest are evicted, and the total stays under it.
        const History bounded = historyOf(events, {1000, perRecord * 2 + perRecord / 2, true});
        QVERIFY2(bounded.size() >= 1 && bounded.size() <= 3,
                 std::to_string(bounded.size()).c_str());
        QCOMPARE(bounded.evictedCount(), std::uint64_t(6 - bounded.size()));
        QVERIFY(bounded.bytes() <= perRecord * 2 + perRecord / 2);
        QCOMPARE(bounded.at(bounded.size() - 1).id, all.at(5).id);
    }

    void keepsTheEventsForASavedTrace()
    {
        QVERIFY(test::getAndWait(m_fixture, "/api/threads") != 0);
        const auto events = m_fixture.events();
        const History history = historyOf(events);
        const auto kept = history.events();
        QCOMPARE(kept.size(), events.size());
        for (std::size_t i = 0; i < kept.size(); ++i) {
            QCOMPARE(kept[i].seq, events[i].seq);
        }
        // Without them, a record is a fraction of the size.
        const History lean = historyOf(events, {100, std::size_t{256} << 20, false});
        QVERIFY(lean.bytes() < history.bytes() / 2);
        QCOMPARE(lanes(lean.at(0)), lanes(history.at(0)));
    }

    // While /api/threads runs: its entry thread waits on thread a, which sleeps its 0.2 s.
    void waitChainOfARunningRequest()
    {
        std::thread client(
            [port = m_fixture.port()] { test::httpRequest(port, "GET", "/api/threads"); });
        // Taken as soon as the entry thread waits (the threads sleep 0.1 and 0.2 s then).
        History history;
        const RequestRecord* record = nullptr;
        QString chain;
        for (int i = 0; i < 400 && chain.isEmpty(); ++i) {
            history = historyOf(m_fixture.events());
            for (std::size_t r = 0; r < history.size(); ++r) {
                const auto& candidate = history.at(r);
                const auto* entry =
                    candidate.coroutines.empty() ? nullptr : &candidate.coroutines.front();
                if (candidate.request == "GET /api/threads" && !candidate.done && entry &&
                    !entry->spans.empty() &&
                    entry->spans.back().reason == engine::trace::YieldReason::ThreadWait) {
                    record = &candidate;
                    chain = QString::fromStdString(
                        engine::history::waitChain(candidate, engine::trace::Tracer::nowNs()));
                }
            }
            if (chain.isEmpty()) {
                QTest::qWait(5);
            }
        }
        client.join();
        QVERIFY(record);
        static const QRegularExpression expected(QStringLiteral(
            "^entry \\d+ thread wait for [0-9.]+ ms at \\S+threads\\.lua:\\d+ -> user thread \\d+ "
            "sleep [0-9.]+ ms of 200.0 ms at \\S+threads\\.lua:\\d+$"));
        QVERIFY2(expected.match(chain).hasMatch(), qPrintable(chain));
        // Ended, it has none.
        const auto id = record->id;
        QTRY_VERIFY_WITH_TIMEOUT(historyOf(m_fixture.events()).find(id)->done, 5000);
        const History after = historyOf(m_fixture.events());
        QVERIFY(after.find(record->id)->done);
        QCOMPARE(engine::history::waitChain(*after.find(record->id), 0), std::string());
    }

    void yieldPositions_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("value");
        QTest::addColumn<QString>("waitedOn");
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("line");
        QTest::addRow("none") << QString() << qint64(0) << QString() << QString() << 0;
        QTest::addRow("text only") << QStringLiteral("recv 127.0.0.1:6379") << qint64(0)
                                   << QStringLiteral("recv 127.0.0.1:6379") << QString() << 0;
        QTest::addRow("position only") << QStringLiteral("lua/threads.lua:15") << qint64(0)
                                       << QString() << QStringLiteral("lua/threads.lua") << 15;
        QTest::addRow("at") << QStringLiteral("user thread 3 at lua/threads.lua:15") << qint64(0)
                            << QStringLiteral("user thread 3") << QStringLiteral("lua/threads.lua")
                            << 15;
        QTest::addRow("parenthesised")
            << QStringLiteral("sleep 200 ms (/abs/lua/x.lua:4)") << qint64(0)
            << QStringLiteral("sleep 200 ms") << QStringLiteral("/abs/lua/x.lua") << 4;
        QTest::addRow("line in value") << QStringLiteral("@/abs/lua/x.lua") << qint64(9)
                                       << QString() << QStringLiteral("@/abs/lua/x.lua") << 9;
    }
    void yieldPositions()
    {
        QFETCH(QString, text);
        QFETCH(qint64, value);
        std::string waitedOn;
        engine::history::SourcePos pos;
        engine::history::splitYieldText(text.toStdString(), value, waitedOn, pos);
        QTEST(QString::fromStdString(waitedOn), "waitedOn");
        QTEST(QString::fromStdString(pos.file), "file");
        QTEST(pos.line, "line");
    }

private:
    test::EngineFixture m_fixture;
};

QTEST_GUILESS_MAIN(TestHistory)
#include "tst_history.moc"
