// A line breakpoint inside a user thread: the engine stops there, answers inspection
// (locals, upvalues, an expression in the frame), steps over two lines within that
// coroutine and continues; the response is the same as without the debugger.

#include "engine/debug/debugger.h"
#include "tests/common/enginefixture.h"
#include "tests/common/httpclient.h"

#include <QtTest>

#include <condition_variable>
#include <future>
#include <mutex>

using namespace restyscope;

namespace {

const char* kHandler = "local prefix = 'p'\n"
                       "local function work(n)\n"
                       "    local doubled = n * 2\n"
                       "    local text = prefix .. doubled\n"
                       "    local result = text .. '!'\n"
                       "    return result\n"
                       "end\n"
                       "local t = ngx.thread.spawn(work, 21)\n"
                       "ngx.say(select(2, ngx.thread.wait(t)))\n";

// Collects line stops from the engine thread; the test thread waits on them.
class StopWaiter
{
public:
    void onStop(const engine::debug::LineStop& stop)
    {
        std::lock_guard lock(m_mutex);
        m_stops.push_back(stop);
        m_changed.notify_all();
    }
    bool waitFor(std::size_t count,
                 std::chrono::milliseconds timeout = std::chrono::milliseconds(10000))
    {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, timeout, [&] { return m_stops.size() >= count; });
    }
    engine::debug::LineStop last()
    {
        std::lock_guard lock(m_mutex);
        return m_stops.back();
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::vector<engine::debug::LineStop> m_stops;
};

// Issue 19 bug 2: lines that resume other coroutines or yield (a coroutine.wrap generator
// called three times on one line, a sleep, a user thread waited on) and a line calling a
// Lua function.
const char* kYieldingLines = "local gen = coroutine.wrap(function()\n"                      // 1
                             "    for i = 1, 3 do\n"                                        // 2
                             "        coroutine.yield(i)\n"                                 // 3
                             "    end\n"                                                    // 4
                             "end)\n"                                                       // 5
                             "local function twice(x) return x * 2 end\n"                   // 6
                             "local s = gen() + gen() + twice(gen())\n"                     // 7
                             "ngx.sleep(0.01)\n"                                            // 8
                             "local t = ngx.thread.spawn(function() ngx.sleep(0.01) end)\n" // 9
                             "ngx.thread.wait(t)\n"                                         // 10
                             "ngx.say(s)\n";                                                // 11

std::string render(const std::vector<engine::debug::VariableInfo>& vars)
{
    std::string text;
    for (const auto& v : vars) {
        text += (text.empty() ? "" : " ") + v.name + "=" + v.value;
    }
    return text;
}

} // namespace

class TestLineBreak : public QObject
{
    Q_OBJECT

private slots:
    void breakInsideUserThread()
    {
        test::EngineFixture engine;
        std::string error;
        QVERIFY2(engine.start("server { listen 127.0.0.1:%PORT%; location /t { "
                              "content_by_lua_file lua/t.lua; } }",
                              {{"lua/t.lua", kHandler}}, error),
                 error.c_str());
        const auto plain = test::httpRequest(engine.port(), "GET", "/t");
        QCOMPARE(plain.body, std::string("p42!\n"));

        StopWaiter stops;
        engine::debug::Debugger* debugger = nullptr;
        engine.call([&](engine::Engine& e) {
            debugger = &e.debugger();
            debugger->setLineStopObserver(
                [&stops](const engine::debug::LineStop& stop) { stops.onStop(stop); });
            debugger->setLineBreakpoint({"lua/t.lua", 3});
        });
        // Runs f inside the stop (the event loop is blocked there) and waits for it.
        auto inStop = [&](const std::function<void()>& f) {
            std::promise<void> done;
            debugger->submit([&] {
                f();
                done.set_value();
            });
            done.get_future().wait();
        };

        test::HttpConnection client;
        QVERIFY(client.connect(engine.port()));
        QVERIFY(client.send("GET /t HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
        QVERIFY(stops.waitFor(1));
        QCOMPARE(stops.last().line, 3);
        QCOMPARE(stops.last().reason, std::string("breakpoint"));
        QVERIFY(stops.last().source.ends_with("/lua/t.lua"));

        std::string locals, upvalues, evaluated, frames, request;
        inStop([&] {
            std::vector<engine::debug::VariableInfo> vars;
            debugger->locals(0, vars);
            locals = render(vars);
            vars.clear();
            debugger->upvalues(0, vars);
            upvalues = render(vars);
            vars.clear();
            std::string evalError;
            debugger->eval(0, "prefix .. (n + 1)", vars, evalError);
            evaluated = render(vars) + evalError;
            frames = std::to_string(debugger->stack().size());
            vars.clear();
            debugger->requestView(vars);
            for (const auto& v : vars) {
                if (v.name == "ngx.var.uri" || v.name == "ngx.var.request_method") {
                    request += v.name + "=" + v.value + " ";
                }
            }
        });
        QCOMPARE(locals, std::string("n=21"));
        QCOMPARE(upvalues, std::string("prefix=\"p\""));
        QCOMPARE(evaluated, std::string("1=\"p22\""));
        QCOMPARE(frames, std::string("1")); // a user thread's stack starts at its function
        QCOMPARE(request, std::string("ngx.var.request_method=\"GET\" ngx.var.uri=\"/t\" "));

        inStop([&] { debugger->resumeFromLine(engine::debug::LineStep::Over); });
        QVERIFY(stops.waitFor(2));
        QCOMPARE(stops.last().line, 4);
        inStop([&] { debugger->resumeFromLine(engine::debug::LineStep::Over); });
        QVERIFY(stops.waitFor(3));
        QCOMPARE(stops.last().line, 5);
        QCOMPARE(stops.last().reason, std::string("step"));
        inStop([&] {
            std::vector<engine::debug::VariableInfo> vars;
            debugger->locals(0, vars);
            locals = render(vars);
            debugger->clearLineBreakpoint({"lua/t.lua", 3});
            debugger->resumeFromLine(std::nullopt);
        });
        QCOMPARE(locals, std::string("n=21 doubled=42 text=\"p42\""));

        const auto debugged = client.read(std::chrono::seconds(5));
        QCOMPARE(debugged.status, plain.status);
        QCOMPARE(debugged.body, plain.body);
    }

    // Step over finishes the line in the paused coroutine, whatever the line resumes
    // inside or waits for; a breakpoint on such a line stops once per arrival, not once
    // per resume.
    void stepOverFinishesTheLine()
    {
        test::EngineFixture engine;
        std::string error;
        QVERIFY2(engine.start("server { listen 127.0.0.1:%PORT%; location /t { "
                              "content_by_lua_file lua/t.lua; } }",
                              {{"lua/t.lua", kYieldingLines}}, error),
                 error.c_str());
        StopWaiter stops;
        engine::debug::Debugger* debugger = nullptr;
        engine.call([&](engine::Engine& e) {
            debugger = &e.debugger();
            debugger->setLineStopObserver(
                [&stops](const engine::debug::LineStop& stop) { stops.onStop(stop); });
            debugger->setLineBreakpoint({"lua/t.lua", 7});
        });
        auto inStop = [&](const std::function<void()>& f) {
            std::promise<void> done;
            debugger->submit([&] {
                f();
                done.set_value();
            });
            done.get_future().wait();
        };
        // A failed check leaves no engine stopped at a line (the fixture could not stop it).
        struct Release
        {
            engine::debug::Debugger* debugger;
            ~Release()
            {
                debugger->submit([d = debugger] {
                    d->clearLineBreakpoint({"lua/t.lua", 7});
                    d->resumeFromLine(std::nullopt);
                });
            }
        } release{debugger};
        test::HttpConnection client;
        QVERIFY(client.connect(engine.port()));
        QVERIFY(client.send("GET /t HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
        QVERIFY(stops.waitFor(1));
        QCOMPARE(stops.last().line, 7);
        std::vector<int> lines;
        for (std::size_t n = 2; n <= 5; ++n) {
            inStop([&] { debugger->resumeFromLine(engine::debug::LineStep::Over); });
            QVERIFY(stops.waitFor(n));
            lines.push_back(stops.last().line);
        }
        QCOMPARE(lines, (std::vector<int>{8, 9, 10, 11}));
        std::string locals;
        inStop([&] {
            std::vector<engine::debug::VariableInfo> vars;
            debugger->locals(0, vars);
            locals = render(vars);
            debugger->resumeFromLine(std::nullopt);
        });
        QVERIFY2(locals.find(" s=9 t=") != std::string::npos, locals.c_str());
        QCOMPARE(client.read(std::chrono::seconds(5)).body, std::string("9\n"));

        // Continue from the breakpoint: it does not stop again on line 7 when the generator
        // hands back to the entry thread.
        test::HttpConnection again;
        QVERIFY(again.connect(engine.port()));
        QVERIFY(again.send("GET /t HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
        QVERIFY(stops.waitFor(6));
        QCOMPARE(stops.last().line, 7);
        inStop([&] { debugger->resumeFromLine(std::nullopt); });
        QCOMPARE(again.read(std::chrono::seconds(5)).body, std::string("9\n"));
        QVERIFY(!stops.waitFor(7, std::chrono::milliseconds(100)));
    }
};

QTEST_GUILESS_MAIN(TestLineBreak)
#include "tst_linebreak.moc"
