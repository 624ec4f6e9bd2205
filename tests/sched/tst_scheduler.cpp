// The scheduler seen through its probes: each handler runs twice (code cache miss, then
// hit), and the normalized trace of each run must read as lua-nginx-module's run_thread
// would step through it.

#include "tests/common/enginefixture.h"
#include "tests/common/httpclient.h"

#include <QtTest>

using namespace restyscope;

namespace {

QStringList lines(std::initializer_list<const char*> texts)
{
    QStringList list;
    for (const char* text : texts) {
        list << QString::fromUtf8(text);
    }
    return list;
}

QStringList toQt(const std::vector<std::string>& lines)
{
    QStringList list;
    for (const auto& line : lines) {
        list << QString::fromStdString(line);
    }
    return list;
}

} // namespace

class TestScheduler : public QObject
{
    Q_OBJECT

private slots:
    void traces_data()
    {
        QTest::addColumn<QByteArray>("lua");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QStringList>("trace");

        QTest::newRow("plain") << QByteArray("ngx.say('hi')") << QByteArray("hi\n")
                               << lines({"create 1 entry", "resume 1", "finish 1 ok"});

        QTest::newRow("sleep") << QByteArray("ngx.sleep(0.01) ngx.say('slept')")
                               << QByteArray("slept\n")
                               << lines({"create 1 entry", "resume 1", "yield 1 sleep", "resume 1",
                                         "finish 1 ok"});

        QTest::newRow("spawn: the child runs first")
            << QByteArray(
                   "local t = ngx.thread.spawn(function() ngx.say('child') end) ngx.say('parent')")
            << QByteArray("child\nparent\n")
            << lines({"create 1 entry", "resume 1", "create 2 in 1 user thread", "post 1",
                      "yield 1 thread spawn", "resume 2", "finish 2 ok", "run posted 1", "resume 1",
                      "finish 1 ok"});

        QTest::newRow("wait on a sleeping thread")
            << QByteArray("local t = ngx.thread.spawn(function() ngx.sleep(0.01) return 'v' end)\n"
                          "ngx.say(ngx.thread.wait(t))")
            << QByteArray("truev\n")
            << lines({"create 1 entry", "resume 1", "create 2 in 1 user thread", "post 1",
                      "yield 1 thread spawn", "resume 2", "yield 2 sleep", "run posted 1",
                      "resume 1", "yield 1 thread wait", "resume 2", "finish 2 ok", "resume 1",
                      "finish 1 ok"});

        QTest::newRow("user coroutine resume and yield")
            << QByteArray(
                   "local co = coroutine.create(function(a) local b = coroutine.yield(a + 1) "
                   "return b * 2 end)\n"
                   "ngx.say(coroutine.resume(co, 1)) ngx.say(coroutine.resume(co, 5)) "
                   "ngx.say(coroutine.status(co))")
            << QByteArray("true2\ntrue10\ndead\n")
            << lines({"create 1 entry", "resume 1", "create 2 in 1 user coroutine",
                      "yield 1 coroutine resume", "resume 2", "yield 2 coroutine yield", "resume 1",
                      "yield 1 coroutine resume", "resume 2", "finish 2 ok", "resume 1",
                      "finish 1 ok"});

        QTest::newRow("sleep inside a user coroutine")
            << QByteArray("local co = coroutine.wrap(function() ngx.sleep(0.01) "
                          "coroutine.yield('y1') end)\n"
                          "ngx.say(co())")
            << QByteArray("y1\n")
            << lines({"create 1 entry", "resume 1", "create 2 in 1 user coroutine",
                      "yield 1 coroutine resume", "resume 2", "yield 2 sleep", "resume 2",
                      "yield 2 coroutine yield", "resume 1", "finish 1 ok"});

        QTest::newRow("round robin through coroutine.yield")
            << QByteArray(
                   "ngx.thread.spawn(function() for i = 1, 2 do ngx.say('T', i) coroutine.yield() "
                   "end end)\n"
                   "for i = 1, 2 do ngx.say('E', i) coroutine.yield() end")
            << QByteArray("T1\nE1\nT2\nE2\n")
            << lines({"create 1 entry",
                      "resume 1",
                      "create 2 in 1 user thread",
                      "post 1",
                      "yield 1 thread spawn",
                      "resume 2",
                      "yield 2 coroutine yield",
                      "post 2",
                      "run posted 1",
                      "resume 1",
                      "yield 1 coroutine yield",
                      "post 1",
                      "run posted 2",
                      "resume 2",
                      "yield 2 coroutine yield",
                      "post 2",
                      "run posted 1",
                      "resume 1",
                      "yield 1 coroutine yield",
                      "post 1",
                      "run posted 2",
                      "resume 2",
                      "finish 2 ok",
                      "run posted 1",
                      "resume 1",
                      "finish 1 ok"});

        QTest::newRow("exit kills a sleeping thread")
            << QByteArray("ngx.thread.spawn(function() ngx.sleep(1) ngx.say('never') end)\n"
                          "ngx.say('bye') ngx.exit(200)")
            << QByteArray("bye\n")
            << lines({"create 1 entry", "resume 1", "create 2 in 1 user thread", "post 1",
                      "yield 1 thread spawn", "resume 2", "yield 2 sleep", "run posted 1",
                      "resume 1", "yield 1 exit", "exit 200"});
    }

    void traces()
    {
        QFETCH(QByteArray, lua);
        QFETCH(QByteArray, body);
        QFETCH(QStringList, trace);
        test::EngineFixture engine;
        std::string error;
        QVERIFY2(engine.start("server { listen 127.0.0.1:%PORT%; location /t { "
                              "content_by_lua_file lua/t.lua; } }",
                              {{"lua/t.lua", lua.toStdString()}}, error),
                 error.c_str());
        for (const char* run : {"cache miss", "cache hit"}) {
            engine.clearEvents();
            const auto response = test::httpRequest(engine.port(), "GET", "/t");
            QCOMPARE(response.status, 200);
            QCOMPARE(QByteArray::fromStdString(response.body), body);
            QStringList actual = toQt(test::normalizedTrace(engine.events()));
            const QByteArray message =
                QByteArray(run) + ":\n" + actual.join(QLatin1Char('\n')).toUtf8();
            QVERIFY2(actual == trace, message.constData());
        }
        engine.call([](engine::Engine& e) { QCOMPARE(e.liveLuaRequests(), std::size_t(0)); });
    }
};

QTEST_GUILESS_MAIN(TestScheduler)
#include "tst_scheduler.moc"
