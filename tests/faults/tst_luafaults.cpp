// Lua faults the engine must survive (issue 9 item 3) where no nginx can be compared: the
// instruction budget and the per-VM memory limit (restyscope options nginx has none of),
// and init_by_lua failures. Error parity with nginx for the rest is in the conformance
// cases under tests/conformance/cases/faults/.

#include "engine/debug/debugger.h"
#include "tests/common/enginefixture.h"
#include "tests/common/httpclient.h"

#include <QtTest>

#include <lua.hpp>

#include <atomic>
#include <chrono>
#include <thread>

using namespace restyscope;

namespace {

constexpr std::uint64_t kBudget = 200000;
constexpr std::size_t kMemoryLimit = 32u << 20;

const char* const kBudgetConf = R"(
lua_package_path "$prefix/lua/?.lua;;";
server {
    listen 127.0.0.1:%PORT%;
    location = /ok { content_by_lua_block { ngx.say("ok") } }
    location = /loop { content_by_lua_block { while true do end } }
    location = /pcall-loop {
        content_by_lua_block {
            while true do pcall(function() while true do end end) end
        }
    }
    location = /thread-loop {
        content_by_lua_block {
            local t = ngx.thread.spawn(function() local n = 0 while true do n = n + 1 end end)
            ngx.say(ngx.thread.wait(t))
        }
    }
    location = /coroutine-loop {
        content_by_lua_block {
            local co = coroutine.create(function() while true do end end)
            ngx.say(coroutine.resume(co))
        }
    }
    location = /rewrite-loop {
        rewrite_by_lua_block { for i = 1, 1e12 do end }
        content_by_lua_block { ngx.say("not reached") }
    }
    location = /modest {
        content_by_lua_block { local n = 0 for i = 1, 10000 do n = n + i end ngx.say(n) }
    }
    location = /timer-loop {
        content_by_lua_block {
            ngx.timer.at(0, function() while true do end end)
            ngx.say("timer armed")
        }
    }
    location = /file { content_by_lua_file lua/spin.lua; }
    location = /cache-off { lua_code_cache off; content_by_lua_block { while true do end } }
}
)";

const char* const kMemoryConf = R"(
server {
    listen 127.0.0.1:%PORT%;
    location = /ok { content_by_lua_block { ngx.say("ok") } }
    location = /bomb {
        content_by_lua_block {
            local t = {}
            for i = 1, 1e9 do t[i] = string.rep("x", 1000) .. i end
        }
    }
    location = /rep { content_by_lua_block { local s = string.rep("x", 64 * 1024 * 1024) } }
    location = /pcall-bomb {
        content_by_lua_block {
            local ok, err = pcall(function()
                local t = {}
                for i = 1, 1e9 do t[i] = string.rep("y", 1000) .. i end
            end)
            ngx.say(ok, " ", err)
        }
    }
    location = /thread-bomb {
        content_by_lua_block {
            local t = ngx.thread.spawn(function()
                local parts = {}
                for i = 1, 1e9 do parts[i] = string.rep("z", 4000) .. i end
            end)
            ngx.say(ngx.thread.wait(t))
        }
    }
    location = /cache-off-bomb {
        lua_code_cache off;
        content_by_lua_block {
            local t = {}
            for i = 1, 1e9 do t[i] = string.rep("x", 1000) .. i end
        }
    }
    location = /cache-off-ok { lua_code_cache off; content_by_lua_block { ngx.say("fresh") } }
}
)";

std::size_t count(const std::string& text, const std::string& what)
{
    std::size_t n = 0;
    for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) {
        ++n;
    }
    return n;
}

// Polls f (on the engine thread) until it returns true, up to two seconds.
bool eventually(test::EngineFixture& fixture, const std::function<bool(engine::Engine&)>& f)
{
    for (int i = 0; i < 200; ++i) {
        bool done = false;
        fixture.call([&](engine::Engine& engine) { done = f(engine); });
        if (done) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

} // namespace

class TestLuaFaults : public QObject
{
    Q_OBJECT

private slots:
    void budgetStopsRunawayCode_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<int>("status");
        QTest::newRow("infinite loop") << QByteArray("/loop") << 500;
        QTest::newRow("loop that pcall catches") << QByteArray("/pcall-loop") << 500;
        QTest::newRow("user thread") << QByteArray("/thread-loop") << 500;
        QTest::newRow("user coroutine") << QByteArray("/coroutine-loop") << 500;
        QTest::newRow("rewrite phase") << QByteArray("/rewrite-loop") << 500;
        QTest::newRow("file handler") << QByteArray("/file") << 500;
        QTest::newRow("lua_code_cache off") << QByteArray("/cache-off") << 500;
        QTest::newRow("within the budget") << QByteArray("/modest") << 200;
    }
    void budgetStopsRunawayCode()
    {
        QFETCH(QByteArray, path);
        QFETCH(int, status);
        test::EngineFixture fixture;
        fixture.adjustOptions = [](engine::EngineOptions& o) { o.luaInstructionBudget = kBudget; };
        std::string error;
        QVERIFY2(fixture.start(kBudgetConf,
                               {{"lua/spin.lua", "local x = 0\nwhile true do\n"
                                                 "  x = x + 1\nend\n"}},
                               error),
                 error.c_str());
        for (int round = 0; round < 2; ++round) { // the code cache's miss, then its hit
            const auto response = test::httpRequest(fixture.port(), "GET", path.toStdString(), {},
                                                    std::chrono::seconds(20));
            QCOMPARE(response.status, status);
            const auto ok = test::httpRequest(fixture.port(), "GET", "/ok");
            QCOMPARE(ok.status, 200);
            QCOMPARE(ok.body, std::string("ok\n"));
        }
        const std::string log = fixture.errorLog();
        const std::string line = "lua instruction budget of " + std::to_string(kBudget) +
                                 " exceeded (restyscope --lua-instruction-budget)";
        QCOMPARE(count(log, line) > 0, status == 500);
        if (status == 500) {
            QVERIFY2(log.find("lua entry thread aborted: runtime error: ") != std::string::npos,
                     log.c_str());
        }
        // Nothing of the stopped requests stays: no Lua ctx, no extra VM, no anchor.
        QVERIFY(eventually(fixture, [](engine::Engine& e) {
            return e.liveLuaRequests() == 0 && e.liveVms() == 1 && e.mainVmAnchors() == 0;
        }));
    }

    void budgetIsPerRequest()
    {
        // 60 requests of 10000 iterations each: far more than the budget in total.
        test::EngineFixture fixture;
        fixture.adjustOptions = [](engine::EngineOptions& o) { o.luaInstructionBudget = kBudget; };
        std::string error;
        QVERIFY2(fixture.start(kBudgetConf, {{"lua/spin.lua", "return"}}, error), error.c_str());
        test::HttpConnection connection;
        QVERIFY(connection.connect(fixture.port()));
        for (int i = 0; i < 60; ++i) {
            QVERIFY(connection.send("GET /modest HTTP/1.1\r\nHost: x\r\n\r\n"));
            const auto response = connection.read();
            QCOMPARE(response.status, 200);
            QCOMPARE(response.body, std::string("50005000\n"));
        }
    }

    void budgetStopsTimers()
    {
        test::EngineFixture fixture;
        fixture.adjustOptions = [](engine::EngineOptions& o) { o.luaInstructionBudget = kBudget; };
        std::string error;
        QVERIFY2(fixture.start(kBudgetConf, {{"lua/spin.lua", "return"}}, error), error.c_str());
        QCOMPARE(test::httpRequest(fixture.port(), "GET", "/timer-loop").status, 200);
        QVERIFY(eventually(fixture, [](engine::Engine& e) {
            return e.stats().runningTimers == 0 && e.stats().pendingTimers == 0;
        }));
        QCOMPARE(test::httpRequest(fixture.port(), "GET", "/ok").status, 200);
        const std::string log = fixture.errorLog();
        const auto at = log.find("exceeded (restyscope --lua-instruction-budget)");
        QVERIFY2(at != std::string::npos && log.find("context: ngx.timer", at) != std::string::npos,
                 log.c_str());
    }

    void budgetOffByDefault()
    {
        // nginx has no budget: 5 million iterations run to the end.
        test::EngineFixture fixture;
        std::string error;
        QVERIFY2(fixture.start(R"(server { listen 127.0.0.1:%PORT%;
            location = /long { content_by_lua_block {
                local n = 0 for i = 1, 5e6 do n = n + 1 end ngx.say(n) } } })",
                               {}, error),
                 error.c_str());
        const auto response = test::httpRequest(fixture.port(), "GET", "/long");
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, std::string("5000000\n"));
    }

    void budgetAndLineHookShareTheHook()
    {
        test::EngineFixture fixture;
        fixture.adjustOptions = [](engine::EngineOptions& o) { o.luaInstructionBudget = kBudget; };
        std::string error;
        QVERIFY2(fixture.start(kBudgetConf,
                               {{"lua/spin.lua", "local x = 0\nwhile true do\n"
                                                 "  x = x + 1\nend\n"}},
                               error),
                 error.c_str());
        int mask = 0;
        auto readMask = [&](engine::Engine& e) { mask = lua_gethookmask(e.mainVmState()); };
        fixture.call(readMask);
        QCOMPARE(mask, LUA_MASKCOUNT);
        // A breakpoint on a line no handler reaches: the line hook joins the count hook.
        const engine::debug::LineBreakpoint nowhere{"lua/other.lua", 1};
        fixture.call([&](engine::Engine& e) { e.debugger().setLineBreakpoint(nowhere); });
        fixture.call(readMask);
        QCOMPARE(mask, LUA_MASKCOUNT | LUA_MASKLINE);
        QCOMPARE(test::httpRequest(fixture.port(), "GET", "/file").status, 500);
        QCOMPARE(test::httpRequest(fixture.port(), "GET", "/modest").status, 200);
        // Clearing it leaves the budget's hook in place.
        fixture.call([&](engine::Engine& e) { e.debugger().clearLineBreakpoint(nowhere); });
        fixture.call(readMask);
        QCOMPARE(mask, LUA_MASKCOUNT);
        QCOMPARE(test::httpRequest(fixture.port(), "GET", "/loop").status, 500);
        QCOMPARE(test::httpRequest(fixture.port(), "GET", "/ok").status, 200);
    }

    void lineBreakpointStopsWithBudgetOn()
    {
        // The debugger's line stops still happen when the budget shares the hook.
        test::EngineFixture fixture;
        fixture.adjustOptions = [](engine::EngineOptions& o) { o.luaInstructionBudget = kBudget; };
        std::string error;
        QVERIFY2(fixture.start(kBudgetConf,
                               {{"lua/spin.lua", "local x = 1\nx = x + 1\nngx.say(x)\n"}}, error),
                 error.c_str());
        std::atomic<int> stoppedAt{0};
        fixture.call([&](engine::Engine& e) {
            e.debugger().setLineStopObserver([&stoppedAt, &e](const engine::debug::LineStop& stop) {
                stoppedAt = stop.line;
                e.debugger().submit([&e] { e.debugger().resumeFromLine(std::nullopt); });
            });
            e.debugger().setLineBreakpoint({"lua/spin.lua", 2});
        });
        const auto response = test::httpRequest(fixture.port(), "GET", "/file");
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, std::string("2\n"));
        QCOMPARE(stoppedAt.load(), 2);
    }

    void memoryLimitEndsTheRequest_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("table of strings") << QByteArray("/bomb") << 500 << QByteArray();
        QTest::newRow("string.rep") << QByteArray("/rep") << 500 << QByteArray();
        QTest::newRow("caught by pcall")
            << QByteArray("/pcall-bomb") << 200 << QByteArray("false not enough memory\n");
        QTest::newRow("user thread") << QByteArray("/thread-bomb") << 200 << QByteArray("false");
        QTest::newRow("lua_code_cache off") << QByteArray("/cache-off-bomb") << 500 << QByteArray();
    }
    void memoryLimitEndsTheRequest()
    {
        QFETCH(QByteArray, path);
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        test::EngineFixture fixture;
        fixture.adjustOptions = [](engine::EngineOptions& o) { o.luaMemoryLimit = kMemoryLimit; };
        std::string error;
        QVERIFY2(fixture.start(kMemoryConf, {}, error), error.c_str());
        for (int round = 0; round < 3; ++round) { // the main VM survives, again and again
            const auto response = test::httpRequest(fixture.port(), "GET", path.toStdString(), {},
                                                    std::chrono::seconds(20));
            QCOMPARE(response.status, status);
            if (status == 200) {
                // A failed thread hands its whole stack to the waiter: compare the start.
                QCOMPARE(QByteArray::fromStdString(response.body).left(body.size()), body);
            }
            QCOMPARE(test::httpRequest(fixture.port(), "GET", "/ok").body, std::string("ok\n"));
            QCOMPARE(test::httpRequest(fixture.port(), "GET", "/cache-off-ok").body,
                     std::string("fresh\n"));
        }
        const std::string log = fixture.errorLog();
        QVERIFY2(log.find("lua VM memory limit of " + std::to_string(kMemoryLimit) +
                          " bytes reached, an allocation was refused (restyscope "
                          "--lua-memory-limit)") != std::string::npos,
                 log.c_str());
        // The request VMs are closed; the main VM's heap is small again.
        QVERIFY(eventually(fixture, [](engine::Engine& e) {
            return e.liveLuaRequests() == 0 && e.liveVms() == 1 && e.mainVmAnchors() == 0;
        }));
        std::size_t heap = 0;
        fixture.call([&](engine::Engine& e) { heap = e.mainVmMemoryAfterGc(); });
        QVERIFY2(heap < 4u << 20, std::to_string(heap).c_str());
    }

    void initByLuaErrors_data()
    {
        QTest::addColumn<QByteArray>("code");
        QTest::addColumn<QByteArray>("message");
        QTest::newRow("runtime") << QByteArray("local t = nil; t.x = 1")
                                 << QByteArray("attempt to index local 't' (a nil value)");
        QTest::newRow("syntax") << QByteArray("local = 1")
                                << QByteArray("'<name>' expected near '='");
        QTest::newRow("memory limit")
            << QByteArray("local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 1000) .. i end")
            << QByteArray("not enough memory");
    }
    void initByLuaErrors()
    {
        // nginx does not start after an init_by_lua error: neither does the engine.
        QFETCH(QByteArray, code);
        QFETCH(QByteArray, message);
        test::EngineFixture fixture;
        fixture.adjustOptions = [](engine::EngineOptions& o) { o.luaMemoryLimit = kMemoryLimit; };
        std::string error;
        QVERIFY(!fixture.start("init_by_lua_block { " + code.toStdString() +
                                   " }\nserver { listen 127.0.0.1:%PORT%; }",
                               {}, error));
        QVERIFY2(error.find("[error] init_by_lua error: ") == 0, error.c_str());
        QVERIFY2(error.find(message.toStdString()) != std::string::npos, error.c_str());
    }
};

QTEST_GUILESS_MAIN(TestLuaFaults)
#include "tst_luafaults.moc"
