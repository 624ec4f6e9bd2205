// The Vm: package paths, require "cjson", the _G write guard, init_by_lua, memory, probes.
// Expected strings were recorded from nginx 1.22.1 / lua-nginx-module 0.10.23 (Debian 12,
// libluajit2 2.1-20230119) run as `nginx -p /tmp/rtref/` with an empty environment:
// package.path/cpath printed by content_by_lua_block { ngx.say(package.path) ... }, the
// guard warning and init errors copied from logs/error.log.

#include "engine/runtime/codecache.h"
#include "engine/runtime/vm.h"
#include "engine/trace/tracer.h"

#include <QtTest>

#include <lua.hpp>

using namespace restyscope::engine;
using namespace restyscope::engine::runtime;

using namespace Qt::StringLiterals;

namespace {

// LuaJIT's own defaults, as nginx showed them behind the Debian LUA_DEFAULT_PATH.
const QString kLuaJitPath = QStringLiteral(
    "./?.lua;/usr/share/luajit-2.1.0-beta3/?.lua;/usr/local/share/lua/5.1/?.lua;"
    "/usr/local/share/lua/5.1/?/init.lua;/usr/share/lua/5.1/?.lua;/usr/share/lua/5.1/?/init.lua");
const QString kLuaJitCpath =
    QStringLiteral("./?.so;/usr/local/lib/lua/5.1/?.so;/usr/lib/x86_64-linux-gnu/lua/5.1/?.so;"
                   "/usr/local/lib/lua/5.1/loadall.so");
// Prepended by nginx: LUA_DEFAULT_PATH ";"
const QString kNginxDefaultPath = QStringLiteral("/usr/share/lua/5.1/?.lua;;") + kLuaJitPath;

QString field(lua_State* L, const char* table, const char* name)
{
    lua_getglobal(L, table);
    lua_getfield(L, -1, name);
    const QString s = QString::fromUtf8(lua_tostring(L, -1));
    lua_pop(L, 2);
    return s;
}

// Runs code on the VM's main state; returns the first result or "error: ...".
QString eval(lua_State* L, const char* code, const char* name = "=eval")
{
    if (luaL_loadbuffer(L, code, std::strlen(code), name) != 0 || lua_pcall(L, 0, 1, 0) != 0) {
        const QString err = QStringLiteral("error: ") + QString::fromUtf8(lua_tostring(L, -1));
        lua_pop(L, 1);
        return err;
    }
    const QString out = QString::fromUtf8(lua_tostring(L, -1));
    lua_pop(L, 1);
    return out;
}

// Runs the closure on top of L in a new coroutine, as an entry thread runs a handler.
/* stack: closure -> */
int resumeInThread(lua_State* L)
{
    lua_State* co = lua_newthread(L); /* stack: closure, co */
    lua_insert(L, -2);                /* stack: co, closure */
    lua_xmove(L, co, 1);              /* stack: co */
    const int rc = lua_resume(co, 0);
    lua_pop(L, 1);
    return rc;
}

class Sink : public trace::EventSink
{
public:
    void onEvent(const trace::Event& e) override { events.push_back(e); }
    std::vector<trace::Event> events;
};

struct Warning
{
    QString key;
    QString message;
    bool sameVm = false;
};

} // namespace

class TestVm : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir dir;
    std::vector<Warning> warnings;

    VmHooks hooks()
    {
        VmHooks h;
        h.globalWrite = [this](Vm& vm, lua_State* writer, std::string_view key,
                               std::string_view message) {
            warnings.push_back({QString::fromUtf8(key.data(), qsizetype(key.size())),
                                QString::fromUtf8(message.data(), qsizetype(message.size())),
                                Vm::fromState(writer) == &vm});
        };
        return h;
    }
    std::string write(const QString& name, const QByteArray& content)
    {
        QFile f(dir.filePath(name));
        if (!f.open(QIODevice::WriteOnly)) {
            qFatal("cannot write %s", qPrintable(name));
        }
        f.write(content);
        return dir.filePath(name).toStdString();
    }

private slots:
    void initTestCase()
    {
        // nginx was recorded with an empty environment; LuaJIT reads these at start-up.
        qunsetenv("LUA_PATH");
        qunsetenv("LUA_CPATH");
    }
    void init() { warnings.clear(); }

    void packagePath_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("cpath");
        QTest::addColumn<QString>("expectedPath");
        QTest::addColumn<QString>("expectedCpath");
        const QString d = kNginxDefaultPath;
        const QString c = kLuaJitCpath;
        QTest::newRow("no directives") << QString() << QString() << d << c;
        QTest::newRow("absolute then ;;")
            << u"/srv/x/?.lua;;"_s << u"$prefix/c/?.so;;"_s << u"/srv/x/?.lua;"_s + d + u";"_s
            << u"/tmp/rtref//c/?.so;"_s + c + u";"_s;
        QTest::newRow("$prefix then ;;")
            << u"$prefix/lua/?.lua;;"_s << u"$prefix/c/?.so;;"_s
            << u"/tmp/rtref//lua/?.lua;"_s + d + u";"_s << u"/tmp/rtref//c/?.so;"_s + c + u";"_s;
        // (nginx then failed to find resty.core, which needs the defaults; the expansion
        // is the one its error message listed.)
        QTest::newRow("${prefix}, no ;;") << u"${prefix}lua/?.lua;/foo/?.lua"_s << QString()
                                          << u"/tmp/rtref/lua/?.lua;/foo/?.lua"_s << c;
        QTest::newRow(";; twice") << u";;/a/?.lua;;"_s << u"$prefix/c/?.so;;"_s
                                  << u";"_s + d + u";/a/?.lua;"_s + d + u";"_s
                                  << u"/tmp/rtref//c/?.so;"_s + c + u";"_s;
    }
    void packagePath()
    {
        QFETCH(QString, path);
        QFETCH(QString, cpath);
        QFETCH(QString, expectedPath);
        QFETCH(QString, expectedCpath);
        VmSettings settings;
        settings.prefix = "/tmp/rtref/";
        settings.packagePath = path.toStdString();
        settings.packageCpath = cpath.toStdString();
        const VmFactory factory(settings, hooks());
        const auto vm = factory.createMain();
        QCOMPARE(field(vm->state(), "package", "path"), expectedPath);
        QCOMPARE(field(vm->state(), "package", "cpath"), expectedCpath);

        // A fresh VM copies the main VM's strings.
        const auto fresh = factory.createFresh(*vm);
        QCOMPARE(field(fresh->state(), "package", "path"), expectedPath);
        QCOMPARE(field(fresh->state(), "package", "cpath"), expectedCpath);
    }

    void expandIsPlainSubstitution()
    {
        QCOMPARE(expandPackagePath("$prefix;${prefix};;", "/p/", "D"), std::string("/p/;/p/;D;"));
        QCOMPARE(expandPackagePath(";;;", "/p/", "D"), std::string(";D;;"));
    }

    void requireCjson()
    {
        const auto vm = VmFactory(VmSettings{}, hooks()).createMain();
        QCOMPARE(eval(vm->state(), "local cjson = require 'cjson' "
                                   "return cjson.encode({1, 2, 'x'}) .. cjson.decode('[7]')[1]"),
                 QStringLiteral("[1,2,\"x\"]7"));
        QVERIFY(warnings.empty()); // require stores in package.loaded, not in _G
    }

    void requireUnderPackagePath()
    {
        QDir(dir.path()).mkpath(QStringLiteral("lua"));
        write(QStringLiteral("lua/mymod.lua"), "MYMOD_LOADS = (MYMOD_LOADS or 0) + 1\n"
                                               "return { hi = function() return 'hi' end }\n");
        VmSettings settings;
        settings.prefix = dir.path().toStdString() + "/";
        settings.packagePath = "$prefix/lua/?.lua;;";
        const auto vm = VmFactory(settings, hooks()).createMain();
        QCOMPARE(eval(vm->state(), "return require('mymod').hi() .. require('mymod').hi() "
                                   ".. MYMOD_LOADS"),
                 QStringLiteral("hihi1"));
        // The module's global write warns, once (semantics.md 1.6.2: MYMOD_LOADS).
        QCOMPARE(warnings.size(), std::size_t(1));
        QCOMPARE(warnings[0].key, QStringLiteral("MYMOD_LOADS"));
    }

    void writeGuardWarnsOncePerKey()
    {
        const auto vm = VmFactory(VmSettings{}, hooks()).createMain();
        lua_State* L = vm->state();
        // location /g { content_by_lua_block {\n    myglobal = 1\n    myglobal = 2 ... } }
        // at nginx.conf:8; nginx warned once.
        const std::string source = "\n    myglobal = 1\n    myglobal = 2\n    return myglobal\n";
        for (int request = 0; request < 2; ++request) {
            int ref = kRefNil;
            QVERIFY(
                vm->codeCache().loadInline("k", ref, source, "=content_by_lua(nginx.conf:8)").ok());
            QCOMPARE(resumeInThread(L), 0);
        }
        QCOMPARE(warnings.size(), std::size_t(1));
        QCOMPARE(warnings[0].key, QStringLiteral("myglobal"));
        QVERIFY(warnings[0].sameVm);
        QCOMPARE(
            warnings[0].message,
            QStringLiteral("[lua] _G write guard:12: __newindex(): writing a global Lua variable "
                           "('myglobal') which may lead to race conditions between concurrent "
                           "requests, so prefer the use of 'local' variables\n"
                           "stack traceback:\n"
                           "\tcontent_by_lua(nginx.conf:8):2: in main chunk"));
        QCOMPARE(eval(L, "return tostring(rawget(_G, 'myglobal'))"), QStringLiteral("2"));
    }

    void writeGuardTracebackFromFile()
    {
        const auto vm = VmFactory(VmSettings{}, hooks()).createMain();
        // lua/g.lua from the recording; nginx's traceback named f and the main chunk.
        const std::string file =
            write(QStringLiteral("g.lua"), "local function f()\n    gfile = 1\nend\nf()\n");
        int ref = kRefNil;
        const std::string key = "nhlf_g";
        QVERIFY(vm->codeCache().loadFile(file, &key, ref).ok());
        QCOMPARE(resumeInThread(vm->state()), 0);
        QCOMPARE(warnings.size(), std::size_t(1));
        const QString path = QString::fromStdString(file);
        QVERIFY(warnings[0].message.endsWith(
            QStringLiteral("('gfile') which may lead to race conditions between concurrent "
                           "requests, so prefer the use of 'local' variables\n"
                           "stack traceback:\n\t%1:2: in function 'f'\n\t%1:4: in main chunk")
                .arg(path)));
    }

    void writeGuardEdgeCases()
    {
        const auto vm = VmFactory(VmSettings{}, hooks()).createMain();
        lua_State* L = vm->state();
        // Assigning nil stores nothing, so it warns each time; rawset never warns; a table
        // key goes through tostring; an existing key never reaches __newindex.
        QCOMPARE(eval(L, "x = nil x = nil rawset(_G, 'r', 1) r = 2 "
                         "_G[setmetatable({}, {__tostring = function() return 'T' end})] = 1 "
                         "return type(getmetatable(_G).__newindex)"),
                 QStringLiteral("function"));
        QStringList keys;
        for (const Warning& w : warnings) {
            keys << w.key;
        }
        QCOMPARE(keys, QStringList({u"x"_s, u"x"_s, u"T"_s}));
    }

    void apiHookRunsBeforeTheGuard()
    {
        VmHooks h = hooks();
        int calls = 0;
        h.installApi = [&calls](Vm& vm) {
            ++calls;
            lua_State* L = vm.state();
            lua_newtable(L);
            lua_setglobal(L, "ngx"); // no warning: the guard is not there yet
            QCOMPARE(Vm::fromState(L), &vm);
        };
        const VmFactory factory(VmSettings{}, h);
        const auto vm = factory.createMain();
        const auto fresh = factory.createFresh(*vm);
        QCOMPARE(calls, 2);
        QVERIFY(warnings.empty());
        QCOMPARE(eval(fresh->state(), "return type(ngx)"), QStringLiteral("table"));
        QVERIFY(vm->isMain() && !fresh->isMain());
        QVERIFY(vm->id() != fresh->id());
    }

    void initByLua_data()
    {
        QTest::addColumn<bool>("file");
        QTest::addColumn<QByteArray>("code"); // file: content ("" = missing file)
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QString>("error");
        const QString name = QStringLiteral("init_by_lua(nginx.conf:6)");
        QTest::newRow("globals, no warning")
            << false << QByteArray(" g_init = 1 ") << true << QString();
        // init_by_lua_block { local x = 1\n  error("init boom") }
        QTest::newRow("runtime error")
            << false << QByteArray(" local x = 1\n  error(\"init boom\") ") << false
            << u"init_by_lua error: "_s + name +
                   u":2: init boom\nstack traceback:\n"_s
                   u"\t[C]: in function 'error'\n\t"_s +
                   name + u":2: in main chunk"_s;
        QTest::newRow("syntax error")
            << false << QByteArray(" local x = = 1 ") << false
            << u"init_by_lua error: "_s + name + u":1: unexpected symbol near '='"_s;
        QTest::newRow("nested function")
            << false << QByteArray(" local function f() error(\"deep\") end\nf() ") << false
            << u"init_by_lua error: "_s + name +
                   u":1: deep\nstack traceback:\n"_s
                   u"\t[C]: in function 'error'\n\t"_s +
                   name + u":1: in function 'f'\n\t"_s + name + u":2: in main chunk"_s;
        QTest::newRow("error(42)") << false << QByteArray("error(42)") << false
                                   << u"init_by_lua error: "_s + name +
                                          u":1: 42\nstack traceback:\n"_s
                                          u"\t[C]: in function 'error'\n\t"_s +
                                          name + u":1: in main chunk"_s;
        QTest::newRow("error({})u") << false << QByteArray("_sfoo = 1 error({})") << false
                                    << "init_by_lua error: unknown error";
        QTest::newRow("error(nil)") << false << QByteArray("error(nil)") << false << QString();
        QTest::newRow("file missing")
            << true << QByteArray() << false
            << "init_by_lua_file error: cannot open @D/nope.lua: No such file or directory";
        QTest::newRow("file runtime error")
            << true << QByteArray("local x = 1\nerror(\"boom from file\")\n") << false
            << "init_by_lua_file error: @D/nope.lua:2: boom from file\nstack traceback:\n"
               "\t[C]: in function 'error'\n\t@D/nope.lua:2: in main chunk";
    }
    void initByLua()
    {
        QFETCH(bool, file);
        QFETCH(QByteArray, code);
        QFETCH(bool, ok);
        QFETCH(QString, error);
        const auto vm = VmFactory(VmSettings{}, hooks()).createMain();
        InitChunk chunk;
        if (file) {
            chunk.form = InitChunk::Form::File;
            chunk.path = dir.filePath(QStringLiteral("nope.lua")).toStdString();
            QFile::remove(QString::fromStdString(chunk.path));
            if (!code.isEmpty()) {
                write(QStringLiteral("nope.lua"), code);
            }
        } else {
            chunk.source = code.toStdString();
            chunk.chunkName = "=init_by_lua(nginx.conf:6)";
        }
        const InitResult r = vm->runInit(chunk);
        QCOMPARE(r.ok, ok);
        QCOMPARE(QString::fromStdString(r.error),
                 QString(error).replace(QStringLiteral("@D"), dir.path()));
        QCOMPARE(lua_gettop(vm->state()), 0);
        QVERIFY(warnings.empty()); // init never warns
        // After init the guard is live again.
        QCOMPARE(eval(vm->state(), "after_init = 1 return 1"), QStringLiteral("1"));
        QCOMPARE(warnings.size(), std::size_t(1));
    }

    void initDefaultChunkName()
    {
        const auto vm = VmFactory(VmSettings{}, hooks()).createMain();
        InitChunk chunk;
        chunk.source = "error('x')";
        QCOMPARE(QString::fromStdString(vm->runInit(chunk).error).section(QLatin1Char('\n'), 0, 0),
                 QStringLiteral("init_by_lua error: init_by_lua:1: x"));
    }

    // semantics.md 1.7.2: with the cache off init_by_lua runs again on each request's VM,
    // whose package.path is copied from the main VM after the main VM's init.
    void freshVmCopiesPathsAfterInit()
    {
        const VmFactory factory(VmSettings{}, hooks());
        const auto main = factory.createMain();
        InitChunk chunk;
        chunk.source = "g_init = (g_init or 0) + 1 package.path = \"/zz/?.lua;\" .. package.path";
        QVERIFY(main->runInit(chunk).ok);
        for (int request = 0; request < 2; ++request) {
            const auto fresh = factory.createFresh(*main);
            QVERIFY(fresh->runInit(chunk).ok);
            QCOMPARE(eval(fresh->state(), "return g_init"), QStringLiteral("1"));
            // Recorded: "/zz/?.lua;/zz/?.lua;/usr/share/lua/5.1/?.lua;;./?.lua;..."
            QCOMPARE(field(fresh->state(), "package", "path"),
                     QStringLiteral("/zz/?.lua;/zz/?.lua;") + kNginxDefaultPath);
        }
        QCOMPARE(field(main->state(), "package", "path"),
                 QStringLiteral("/zz/?.lua;") + kNginxDefaultPath);
    }

    void memoryComesBack()
    {
        const auto vm = VmFactory(VmSettings{}, hooks()).createMain();
        vm->collectGarbage();
        const std::size_t before = vm->memoryBytes();
        QVERIFY(before > 0);
        QCOMPARE(eval(vm->state(), "local t = {} for i = 1, 200000 do t[i] = {i} end "
                                   "rawset(_G, 'big', t) return #big"),
                 QStringLiteral("200000"));
        const std::size_t grown = vm->memoryBytes();
        QVERIFY2(grown > before + 4 * 1024 * 1024, qPrintable(QString::number(grown - before)));
        QCOMPARE(eval(vm->state(), "big = nil return 'gone'"), QStringLiteral("gone"));
        vm->collectGarbage();
        const std::size_t after = vm->memoryBytes();
        QVERIFY2(after < before + 64 * 1024,
                 qPrintable(QStringLiteral("%1 -> %2").arg(before).arg(after)));
    }

    void probes()
    {
        trace::Tracer tracer;
        Sink sink;
        tracer.attach(&sink);
        std::uint32_t mainId = 0;
        std::uint32_t freshId = 0;
        {
            const VmFactory factory(VmSettings{}, hooks(), &tracer);
            const auto main = factory.createMain();
            mainId = main->id();
            {
                const auto fresh = factory.createFresh(*main);
                freshId = fresh->id();
            }
        }
        tracer.detach(&sink);
        QStringList got;
        for (const trace::Event& e : sink.events) {
            got << QStringLiteral("%1 %2 %3")
                       .arg(QString::fromUtf8(trace::eventKindName(e.kind).data()))
                       .arg(e.vmId == mainId    ? QStringLiteral("main")
                            : e.vmId == freshId ? QStringLiteral("fresh")
                                                : QStringLiteral("?"))
                       .arg(QString::fromUtf8(e.text));
            QVERIFY(e.value > 0); // heap bytes
        }
        QCOMPARE(got, QStringList({u"vm create main main"_s, u"vm create fresh request"_s,
                                   u"vm close fresh request"_s, u"vm close main main"_s}));
    }
};

QTEST_GUILESS_MAIN(TestVm)
#include "tst_vm.moc"
