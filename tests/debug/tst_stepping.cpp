// Stepping at resume granularity: a request with two user threads, a user coroutine and
// sleeps, driven one lua_resume at a time; after each step the coroutine statuses, the
// ready list and the posted queue must read as run_thread would leave them.

#include "engine/debug/debugger.h"
#include "tests/common/enginefixture.h"
#include "tests/common/httpclient.h"

#include <QtTest>

#include <map>
#include <thread>

using namespace restyscope;

namespace {

// "ready [2] posted [1] | 1 running thread spawn, 2 running" with coroutines renumbered.
class StateFormatter
{
public:
    std::string format(const engine::debug::Snapshot& snap)
    {
        std::string text = "ready [";
        for (std::size_t i = 0; i < snap.ready.size(); ++i) {
            text += (i ? " " : "") + std::to_string(number(snap.ready[i].coroutineId));
        }
        text += "] posted [";
        if (!snap.requests.empty()) {
            const auto& request = snap.requests.front();
            for (std::size_t i = 0; i < request.posted.size(); ++i) {
                text += (i ? " " : "") + std::to_string(number(request.posted[i]));
            }
            text += "] |";
            for (const auto& co : request.coroutines) {
                text += " " + std::to_string(number(co.id)) + " " + co.status;
                if (co.reason != engine::trace::YieldReason::None && co.status != "dead") {
                    text += " (" + std::string(engine::trace::yieldReasonName(co.reason)) + ")";
                }
            }
        } else {
            text += "] | done";
        }
        return text;
    }

private:
    int number(std::uint32_t id)
    {
        return m_numbers.emplace(id, static_cast<int>(m_numbers.size()) + 1).first->second;
    }
    std::map<std::uint32_t, int> m_numbers;
};

} // namespace

class TestStepping : public QObject
{
    Q_OBJECT

private slots:
    void stepThroughThreadsCoroutineAndSleeps()
    {
        test::EngineFixture engine;
        std::string error;
        const std::string lua =
            "local a = ngx.thread.spawn(function() ngx.sleep(1.0) return 'a' end)\n"
            "local b = ngx.thread.spawn(function() ngx.sleep(2.0) return 'b' end)\n"
            "local gen = coroutine.wrap(function() coroutine.yield(1) coroutine.yield(2) end)\n"
            "local x, y = gen(), gen()\n"
            "ngx.say(x, y, select(2, ngx.thread.wait(a)), select(2, ngx.thread.wait(b)))\n";
        QVERIFY2(engine.start("server { listen 127.0.0.1:%PORT%; location /t { "
                              "content_by_lua_file lua/t.lua; } }",
                              {{"lua/t.lua", lua}}, error),
                 error.c_str());
        engine.call([](engine::Engine& e) { e.debugger().pause(); });

        test::HttpConnection client;
        QVERIFY(client.connect(engine.port()));
        QVERIFY(client.send("GET /t HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));

        StateFormatter formatter;
        auto state = [&] {
            std::string text;
            engine.call(
                [&](engine::Engine& e) { text = formatter.format(e.debugger().snapshot()); });
            return text;
        };
        auto waitReady = [&] {
            for (int i = 0; i < 1000; ++i) {
                std::size_t ready = 0;
                engine.call(
                    [&](engine::Engine& e) { ready = e.debugger().snapshot().ready.size(); });
                if (ready > 0) {
                    return true;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
            return false;
        };

        QVERIFY(waitReady());
        QStringList actual{QString::fromStdString(state())};
        for (int steps = 0; steps < 30; ++steps) {
            if (!waitReady()) {
                break;
            }
            bool stepped = false;
            engine.call([&](engine::Engine& e) { stepped = e.debugger().step(); });
            QVERIFY(stepped);
            actual << QString::fromStdString(state());
            if (actual.last().endsWith(QLatin1String("| done"))) {
                break;
            }
        }
        const std::vector<const char*> expectedLines{
            "ready [1] posted [] | 1 suspended",
            "ready [2] posted [1] | 1 running (thread spawn) 2 running",
            "ready [1] posted [] | 1 running (thread spawn) 2 running (sleep)",
            "ready [3] posted [1] | 1 running (thread spawn) 2 running (sleep) 3 running",
            "ready [1] posted [] | 1 running (thread spawn) 2 running (sleep) 3 running (sleep)",
            "ready [4] posted [] | 1 normal (coroutine resume) 2 running (sleep) 3 running (sleep) "
            "4 suspended",
            "ready [1] posted [] | 1 running (coroutine resume) 2 running (sleep) 3 running "
            "(sleep) 4 suspended (coroutine yield)",
            "ready [4] posted [] | 1 normal (coroutine resume) 2 running (sleep) 3 running (sleep) "
            "4 suspended (coroutine yield)",
            "ready [1] posted [] | 1 running (coroutine resume) 2 running (sleep) 3 running "
            "(sleep) 4 suspended (coroutine yield)",
            "ready [] posted [] | 1 running (thread wait) 2 running (sleep) 3 running (sleep) 4 "
            "suspended (coroutine yield)",
            "ready [1] posted [] | 1 running (thread wait) 2 dead 3 running (sleep) 4 suspended "
            "(coroutine yield)",
            "ready [] posted [] | 1 running (thread wait) 2 dead 3 running (sleep) 4 suspended "
            "(coroutine yield)",
            "ready [1] posted [] | 1 running (thread wait) 2 dead 3 dead 4 suspended (coroutine "
            "yield)",
            "ready [] posted [] | done",
        };
        QStringList expected;
        for (const char* line : expectedLines) {
            expected << QString::fromUtf8(line);
        }
        QVERIFY2(actual == expected, actual.join(QLatin1Char('\n')).toUtf8().constData());

        const auto response = client.read(std::chrono::seconds(5));
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, std::string("12ab\n"));
        engine.call([](engine::Engine& e) { e.debugger().cont(); });
    }

    void continueDrainsAndNewRequestsPassWhenRunning()
    {
        test::EngineFixture engine;
        std::string error;
        QVERIFY2(engine.start("server { listen 127.0.0.1:%PORT%; location /t { "
                              "content_by_lua_block { ngx.sleep(0.01) ngx.say('ok') } } }",
                              {}, error),
                 error.c_str());
        engine.call([](engine::Engine& e) {
            engine::debug::BreakConditions conditions;
            conditions.newRequest = true;
            e.debugger().setBreakConditions(conditions);
        });
        test::HttpConnection client;
        QVERIFY(client.connect(engine.port()));
        QVERIFY(client.send("GET /t HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
        bool held = false;
        for (int i = 0; i < 200 && !held; ++i) {
            engine.call([&](engine::Engine& e) {
                held = e.debugger().paused() && !e.debugger().snapshot().ready.empty();
            });
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        QVERIFY2(held, "a new request pauses before its entry thread runs");
        engine.call([](engine::Engine& e) {
            e.debugger().setBreakConditions({});
            e.debugger().cont();
        });
        const auto response = client.read(std::chrono::seconds(5));
        QCOMPARE(response.body, std::string("ok\n"));
    }
};

QTEST_GUILESS_MAIN(TestStepping)
#include "tst_stepping.moc"
