// The registry code cache: table contents after misses and hits, ref adoption, one shared
// entry for identical inline code, variable file paths, failures, probes, and nginx's debug
// lines (recorded from nginx 1.22.1 / lua-nginx-module 0.10.23, error_log ... debug).

#include "engine/runtime/cachekey.h"
#include "engine/runtime/codecache.h"
#include "engine/runtime/registry.h"
#include "engine/runtime/vm.h"
#include "engine/trace/errorlog.h"
#include "engine/trace/tracer.h"

#include <QtTest>

#include <lua.hpp>

using namespace restyscope::engine;
using namespace restyscope::engine::runtime;

using namespace Qt::StringLiterals;

namespace {

class RecordingSink : public trace::EventSink
{
public:
    void onEvent(const trace::Event& e) override
    {
        lines << QStringLiteral("%1 %2 %3")
                     .arg(QString::fromUtf8(trace::eventKindName(e.kind).data(),
                                            qsizetype(trace::eventKindName(e.kind).size())))
                     .arg(e.value)
                     .arg(QString::fromUtf8(e.text, e.textLength));
    }
    QStringList lines;
};

// The registry table printed: "key=ref", "key=function", "N=function", sorted.
QStringList cacheTable(lua_State* L)
{
    QStringList rows;
    pushRegistryTable(L, RegistryTable::CodeCache);
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        lua_pushvalue(L, -2);
        const QString key = QString::fromUtf8(lua_tostring(L, -1));
        lua_pop(L, 1);
        const QString value = lua_type(L, -1) == LUA_TNUMBER
                                  ? QString::number(lua_tonumber(L, -1))
                                  : QString::fromLatin1(luaL_typename(L, -1));
        rows << key + QLatin1Char('=') + value;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    rows.sort();
    return rows;
}

// Calls the closure on top, returns its first result as text.
/* stack: closure -> */
QString call(lua_State* L)
{
    if (lua_pcall(L, 0, 1, 0) != 0) {
        const QString err = QStringLiteral("error: ") + QString::fromUtf8(lua_tostring(L, -1));
        lua_pop(L, 1);
        return err;
    }
    const QString out = QString::fromUtf8(lua_tostring(L, -1));
    lua_pop(L, 1);
    return out;
}

} // namespace

class TestCodeCache : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir dir;
    std::unique_ptr<VmFactory> factory;
    std::unique_ptr<Vm> vm;
    trace::Tracer tracer;
    RecordingSink sink;
    trace::ErrorLog log;
    QStringList debugLines;

    lua_State* L() const { return vm->state(); }
    std::string write(const QString& name, const QByteArray& content)
    {
        QFile f(dir.filePath(name));
        if (!f.open(QIODevice::WriteOnly)) {
            qFatal("cannot write %s", qPrintable(name));
        }
        f.write(content);
        return dir.filePath(name).toStdString();
    }
    LoadContext ctx(std::uint64_t connection)
    {
        LoadContext c;
        c.requestId = connection;
        c.debugLog = &log;
        c.connection = connection;
        return c;
    }

private slots:
    void initTestCase()
    {
        std::string error;
        QVERIFY(log.open(dir.filePath(QStringLiteral("error.log")).toStdString(), error));
        log.setLevel(trace::LogLevel::Debug);
        log.setLineObserver([this](trace::LogLevel, std::string_view line) {
            // Keep what follows "pid#tid: ", as the recorded lines do.
            const QString l = QString::fromUtf8(line.data(), qsizetype(line.size()));
            debugLines << l.section(QStringLiteral(": "), 1);
        });
    }

    void init()
    {
        VmSettings settings;
        settings.prefix = dir.path().toStdString() + "/";
        factory = std::make_unique<VmFactory>(settings, VmHooks{}, &tracer);
        vm = factory->createMain();
        QVERIFY(vm);
        tracer.attach(&sink);
        sink.lines.clear();
        debugLines.clear();
    }
    void cleanup()
    {
        QCOMPARE(lua_gettop(L()), 0);
        tracer.detach(&sink);
        vm.reset();
    }

    // Two locations with the same block (t/025-codecache.t TEST 32, semantics.md 1.3.3).
    void identicalInlineCodeSharesOneEntry()
    {
        const std::string source = "\nerror(\"same code\")\n            ";
        const std::string key = inlineCacheKey("content_by_lua", source);
        int refB = kRefNil;
        int refC = kRefNil;

        CodeResult r =
            vm->codeCache().loadInline(key, refB, source, "=content_by_lua(nginx.conf:8)", ctx(1));
        QVERIFY(r.ok() && !r.hit);
        QCOMPARE(refB, 1);
        QCOMPARE(call(L()), QStringLiteral("error: content_by_lua(nginx.conf:8):2: same code"));

        r = vm->codeCache().loadInline(key, refC, source, "=content_by_lua(nginx.conf:11)", ctx(2));
        QVERIFY(r.ok() && r.hit);
        QCOMPARE(refC, 1); // adopted
        // The second location runs the first one's function, chunk name included.
        QCOMPARE(call(L()), QStringLiteral("error: content_by_lua(nginx.conf:8):2: same code"));

        QCOMPARE(cacheTable(L()),
                 QStringList({QStringLiteral("1=function"),
                              QString::fromStdString(key) + QStringLiteral("=1")}));
        // Recorded from nginx for GET /b then GET /c.
        QCOMPARE(
            debugLines,
            QStringList({
                u"*1 code cache lookup (key='content_by_lua_nhli_5ccce5e4833b79357a77567de5414cbd', ref=-1)"_s,
                u"*1 code cache miss (key='content_by_lua_nhli_5ccce5e4833b79357a77567de5414cbd', ref=-1)"_s,
                u"*2 code cache lookup (key='content_by_lua_nhli_5ccce5e4833b79357a77567de5414cbd', ref=-1)"_s,
                u"*2 code cache setting ref (key='content_by_lua_nhli_5ccce5e4833b79357a77567de5414cbd', ref=1)"_s,
                u"*2 code cache hit (key='content_by_lua_nhli_5ccce5e4833b79357a77567de5414cbd', ref=1)"_s,
            }));
    }

    void hitWithKnownRef()
    {
        const std::string source = " return 'x' ";
        const std::string key = inlineCacheKey("content_by_lua", source);
        int ref = kRefNil;
        QVERIFY(vm->codeCache().loadInline(key, ref, source, "=content_by_lua(nginx.conf:3)").ok());
        lua_State* L = this->L();
        for (int i = 0; i < 3; ++i) {
            const CodeResult r = vm->codeCache().loadInline(
                key, ref, source, "=content_by_lua(nginx.conf:3)", ctx(7));
            QVERIFY(r.ok() && r.hit);
            QCOMPARE(ref, 1);
        }
        // Three fresh closures.
        QVERIFY(!lua_rawequal(L, -1, -2) && !lua_rawequal(L, -2, -3));
        QCOMPARE(call(L), QStringLiteral("x"));
        lua_settop(L, 0);
        QCOMPARE(
            debugLines.last(),
            QStringLiteral("*7 code cache hit (key='%1', ref=1)").arg(QString::fromStdString(key)));
        QVERIFY(
            !debugLines.join(QLatin1Char('\n')).contains(QStringLiteral("*7 code cache setting")));
    }

    void constantFilePaths()
    {
        const std::string a = write(QStringLiteral("a.lua"), "return 'A'");
        const std::string b = write(QStringLiteral("b.lua"), "return 'B'");
        const std::string keyA = fileCacheKey("lua/a.lua");
        const std::string keyB = fileCacheKey("lua/b.lua");
        int refA = kRefNil;
        int refB = kRefNil;
        QVERIFY(vm->codeCache().loadFile(a, &keyA, refA).ok());
        QCOMPARE(call(L()), QStringLiteral("A"));
        QVERIFY(vm->codeCache().loadFile(b, &keyB, refB).ok());
        QCOMPARE(call(L()), QStringLiteral("B"));
        QCOMPARE(refA, 1);
        QCOMPARE(refB, 2);

        // With the cache on an edit is not seen: the stored factory answers.
        write(QStringLiteral("a.lua"), "return 'A2'");
        const CodeResult r = vm->codeCache().loadFile(a, &keyA, refA);
        QVERIFY(r.hit);
        QCOMPARE(call(L()), QStringLiteral("A"));

        QStringList expected{QStringLiteral("1=function"), QStringLiteral("2=function"),
                             QString::fromStdString(keyA) + QStringLiteral("=1"),
                             QString::fromStdString(keyB) + QStringLiteral("=2")};
        expected.sort();
        QCOMPARE(cacheTable(L()), expected);
    }

    void variableFilePath()
    {
        const std::string a = write(QStringLiteral("v.lua"), "return 'V'");
        int ref = kRefNil; // whatever it was, a variable path uses LUA_NOREF
        CodeResult r = vm->codeCache().loadFile(a, nullptr, ref, ctx(3));
        QVERIFY(r.ok() && !r.hit);
        QCOMPARE(ref, kNoRef);
        QCOMPARE(call(L()), QStringLiteral("V"));
        r = vm->codeCache().loadFile(a, nullptr, ref, ctx(4));
        QVERIFY(r.ok() && r.hit);
        QCOMPARE(call(L()), QStringLiteral("V"));

        const QString key = QString::fromStdString(fileCacheKey(a));
        QCOMPARE(cacheTable(L()), QStringList({key + QStringLiteral("=function")}));
        QCOMPARE(debugLines, QStringList({
                                 u"*3 code cache lookup (key='"_s + key + u"', ref=-2)"_s,
                                 u"*3 code cache miss (key='"_s + key + u"', ref=-2)"_s,
                                 u"*4 code cache lookup (key='"_s + key + u"', ref=-2)"_s,
                                 u"*4 code cache hit (key='"_s + key + u"', ref=-2)"_s,
                             }));
        QCOMPARE(sink.lines, QStringList({
                                 u"cache lookup -2 "_s + key,
                                 u"cache miss -2 "_s + key,
                                 u"file load 10 "_s + QString::fromStdString(a),
                                 u"cache store -2 "_s + key,
                                 u"cache lookup -2 "_s + key,
                                 u"cache hit -2 "_s + key,
                             }));
    }

    void failuresStoreNothing_data()
    {
        QTest::addColumn<bool>("file");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<int>("http");
        QTest::addColumn<QString>("error");
        QTest::newRow("inline syntax error")
            << false << QByteArray("ngx.say(\n = 1)") << 500
            << "failed to load inlined Lua code: content_by_lua(nginx.conf:19):2: unexpected "
               "symbol near '='";
        QTest::newRow("missing file")
            << true << QByteArray() << 404
            << "failed to load external Lua file \"@D/missing.lua\": cannot open "
               "@D/missing.lua: No such file or directory";
        QTest::newRow("file syntax error")
            << true << QByteArray("local x = \nngx.say(x\n") << 500
            << "failed to load external Lua file \"@D/missing.lua\": @D/missing.lua:3: ')' "
               "expected (to close '(' at line 2) near '<eof>'";
    }
    void failuresStoreNothing()
    {
        QFETCH(bool, file);
        QFETCH(QByteArray, content);
        QFETCH(int, http);
        QFETCH(QString, error);
        const std::string path = dir.filePath(QStringLiteral("missing.lua")).toStdString();
        QFile::remove(QString::fromStdString(path));
        if (file && !content.isEmpty()) {
            write(QStringLiteral("missing.lua"), content);
        }
        const std::string source(content.constData(), std::size_t(content.size()));
        const std::string key =
            file ? fileCacheKey("lua/missing.lua") : inlineCacheKey("content_by_lua", source);
        for (int attempt = 0; attempt < 2; ++attempt) { // nothing cached: misses again
            int ref = kRefNil;
            const CodeResult r = file ? vm->codeCache().loadFile(path, &key, ref, ctx(attempt + 1))
                                      : vm->codeCache().loadInline(key, ref, source,
                                                                   "=content_by_lua(nginx.conf:19)",
                                                                   ctx(attempt + 1));
            QVERIFY(!r.ok());
            QCOMPARE(r.httpStatus(), http);
            QCOMPARE(QString::fromStdString(r.error),
                     QString(error).replace(QStringLiteral("@D"), dir.path()));
            QCOMPARE(ref, kRefNil);
        }
        QVERIFY(cacheTable(L()).isEmpty());
        QCOMPARE(debugLines.filter(QStringLiteral("miss")).size(), 2);
        QVERIFY(vm->codeCache().snapshot().empty());
    }

    // semantics.md 1.7.4: with lua_code_cache off the directive's ref outlives its VM.
    void staleRefAcrossVms()
    {
        const std::string sSource = " return 'S' ";
        const std::string pSource = " return 'P' ";
        const std::string sKey = inlineCacheKey("content_by_lua", sSource);
        const std::string pKey = inlineCacheKey("content_by_lua", pSource);
        int refS = kRefNil;
        int refP = kRefNil;

        auto first = factory->createFresh(*vm); // GET /S
        QVERIFY(first->codeCache().loadInline(sKey, refS, sSource, "=s").ok());
        QCOMPARE(call(first->state()), QStringLiteral("S"));
        QCOMPARE(refS, 1);
        first.reset();

        auto second = factory->createFresh(*vm); // GET /P, which captures /S on its VM
        QVERIFY(second->codeCache().loadInline(pKey, refP, pSource, "=p").ok());
        QCOMPARE(call(second->state()), QStringLiteral("P"));
        QCOMPARE(refP, 1);
        const CodeResult r = second->codeCache().loadInline(sKey, refS, sSource, "=s");
        QVERIFY(r.ok() && r.hit);
        QCOMPARE(call(second->state()), QStringLiteral("P")); // /S runs /P's code, as 0.10.23

        // HEAD's fix: forget the ref on a fresh VM.
        refS = kRefNil;
        QVERIFY(!second->codeCache().loadInline(sKey, refS, sSource, "=s").hit);
        QCOMPARE(call(second->state()), QStringLiteral("S"));
        QCOMPARE(refS, 2);
    }

    void snapshot()
    {
        const std::string file = write(QStringLiteral("snap.lua"), "return 1\n");
        const std::string fileKey = fileCacheKey("lua/snap.lua");
        const std::string source = " return 2 ";
        const std::string inlineKey = inlineCacheKey("rewrite_by_lua", source);
        int fileRef = kRefNil;
        int inlineRef = kRefNil;
        int varRef = kRefNil;
        QVERIFY(vm->codeCache().loadFile(file, &fileKey, fileRef).ok());
        QVERIFY(vm->codeCache()
                    .loadInline(inlineKey, inlineRef, source, "=rewrite_by_lua(nginx.conf:4)")
                    .ok());
        QVERIFY(vm->codeCache().loadFile(file, nullptr, varRef).ok());
        lua_settop(L(), 0);

        // An entry put in the table by someone else still shows, without metadata.
        pushRegistryTable(L(), RegistryTable::CodeCache);
        lua_pushcfunction(L(), [](lua_State*) { return 0; });
        lua_rawseti(L(), -2, 9);
        lua_pop(L(), 1);

        QStringList rows;
        for (const CacheEntryInfo& e : vm->codeCache().snapshot()) {
            rows << QStringLiteral("%1|%2|%3|%4|%5|%6")
                        .arg(QString::fromStdString(e.key))
                        .arg(e.ref)
                        .arg(QString::fromStdString(e.chunkName))
                        .arg(QString::fromStdString(e.sourcePath))
                        .arg(e.bytes)
                        .arg(e.known);
            QVERIFY(e.known ? e.loadTimeNs > 0 : e.loadTimeNs == 0);
        }
        const QString path = QString::fromStdString(file);
        QStringList expected{
            QStringLiteral("|9|||0|0"),
            QString::fromStdString(fileKey) + u"|1|@"_s + path + u"|"_s + path + u"|9|1"_s,
            QString::fromStdString(fileCacheKey(file)) + u"|-2|@"_s + path + u"|"_s + path +
                u"|9|1"_s,
            QString::fromStdString(inlineKey) + u"|2|=rewrite_by_lua(nginx.conf:4)||10|1"_s,
        };
        std::sort(expected.begin() + 1, expected.end());
        QCOMPARE(rows, expected);
    }

    void probesForInline()
    {
        const std::string source = " return 3 ";
        const std::string key = inlineCacheKey("content_by_lua", source);
        int ref = kRefNil;
        QVERIFY(vm->codeCache().loadInline(key, ref, source, "=x").ok());
        QVERIFY(vm->codeCache().loadInline(key, ref, source, "=x").ok());
        lua_settop(L(), 0);
        const QString k = QString::fromStdString(key);
        QCOMPARE(sink.lines, QStringList({u"cache lookup -1 "_s + k, u"cache miss -1 "_s + k,
                                          u"cache store 1 "_s + k, u"cache lookup 1 "_s + k,
                                          u"cache hit 1 "_s + k}));
    }

    void sourceWrapStyle()
    {
        VmSettings settings;
        settings.factoryStyle = FactoryStyle::SourceWrap;
        auto wrapVm = VmFactory(settings, VmHooks{}).createMain();
        QCOMPARE(wrapVm->codeCache().style(), FactoryStyle::SourceWrap);
        const std::string source = "return debug.getinfo(1, 'S').what";
        int ref = kRefNil;
        QVERIFY(wrapVm->codeCache().loadInline("k", ref, source, "=w").ok());
        QCOMPARE(call(wrapVm->state()), QStringLiteral("Lua"));
        QVERIFY(vm->codeCache().loadInline("k", ref = kRefNil, source, "=m").ok());
        QCOMPARE(call(L()), QStringLiteral("main"));
    }
};

QTEST_GUILESS_MAIN(TestCodeCache)
#include "tst_codecache.moc"
