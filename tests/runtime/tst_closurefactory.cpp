// The closure factory: text, shebang, bytecode (stripped and not), and load failures.
// Expected messages and statuses were recorded from nginx 1.22.1 / lua-nginx-module 0.10.23
// with the same LuaJIT (content_by_lua_file lua/$1; under prefix /tmp/rtref/; the recorded
// path is replaced by this test's temporary directory).

#include "engine/runtime/bytecode.h"
#include "engine/runtime/closurefactory.h"

#include <QtTest>

#include <lua.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace restyscope::engine::runtime;

Q_DECLARE_METATYPE(restyscope::engine::runtime::FactoryStyle)
Q_DECLARE_METATYPE(restyscope::engine::runtime::LoadStatus)

using namespace Qt::StringLiterals;

namespace {

QString top(lua_State* L)
{
    std::size_t len = 0;
    const char* s = lua_tolstring(L, -1, &len);
    return s != nullptr ? QString::fromUtf8(s, static_cast<qsizetype>(len))
                        : QString::fromLatin1(luaL_typename(L, -1));
}

// Runs a closure (on top) and returns its results joined by '|', or "error: <msg>".
/* stack: closure -> */
QString run(lua_State* L)
{
    const int base = lua_gettop(L) - 1;
    if (lua_pcall(L, 0, LUA_MULTRET, 0) != 0) {
        const QString msg = QStringLiteral("error: ") + top(L);
        lua_settop(L, base);
        return msg;
    }
    QStringList parts;
    for (int i = base + 1; i <= lua_gettop(L); ++i) {
        lua_pushvalue(L, i);
        parts << top(L);
        lua_pop(L, 1);
    }
    lua_settop(L, base);
    return parts.join(QLatin1Char('|'));
}

// string.dump(loadstring(source, name), strip)
QByteArray dump(lua_State* L, const char* source, const char* name, bool strip)
{
    luaL_loadbuffer(L, source, std::strlen(source), name);
    lua_getglobal(L, "string");
    lua_getfield(L, -1, "dump");
    lua_pushvalue(L, -3);
    lua_pushboolean(L, strip ? 1 : 0);
    lua_call(L, 2, 1);
    std::size_t len = 0;
    const char* s = lua_tolstring(L, -1, &len);
    QByteArray out(s, static_cast<qsizetype>(len));
    lua_pop(L, 3);
    return out;
}

} // namespace

class TestClosureFactory : public QObject
{
    Q_OBJECT

private:
    lua_State* L = nullptr;
    QTemporaryDir dir;

    std::string path(const QString& name) const { return dir.filePath(name).toStdString(); }
    std::string write(const QString& name, const QByteArray& content)
    {
        QFile f(dir.filePath(name));
        if (!f.open(QIODevice::WriteOnly)) {
            qFatal("cannot write %s", qPrintable(name));
        }
        f.write(content);
        return path(name);
    }
    // The recorded message, with nginx's /tmp/rtref/lua/ replaced by our directory.
    QString here(QString recorded) const
    {
        return recorded.replace(QStringLiteral("/tmp/rtref/lua/"), dir.path() + QLatin1Char('/'));
    }

private slots:
    void init()
    {
        L = luaL_newstate();
        luaL_openlibs(L);
    }
    void cleanup()
    {
        QCOMPARE(lua_gettop(L), 0); // every path leaves the stack balanced
        lua_close(L);
        L = nullptr;
    }

    void textFile_data()
    {
        QTest::addColumn<FactoryStyle>("style");
        QTest::addColumn<QString>("what");
        QTest::newRow("main chunk") << FactoryStyle::MainChunk << "main";
        QTest::newRow("source wrap") << FactoryStyle::SourceWrap << "Lua";
    }
    void textFile()
    {
        QFETCH(FactoryStyle, style);
        QFETCH(QString, what);
        const QByteArray content("local i = debug.getinfo(1, 'Sl')\n"
                                 "return i.source, i.currentline, i.what\n");
        const std::string file = write(QStringLiteral("t.lua"), content);
        const FactoryResult r = loadFileFactory(L, file, style);
        QVERIFY2(r.ok(), r.error.c_str());
        QCOMPARE(r.bytes, std::size_t(content.size()));
        QVERIFY(!r.bytecode);
        QCOMPARE(lua_gettop(L), 1);
        QVERIFY(lua_isfunction(L, -1));

        // Each call of the factory makes a new closure.
        lua_pushvalue(L, -1);
        QCOMPARE(lua_pcall(L, 0, 1, 0), 0); /* stack: factory, closure1 */
        lua_pushvalue(L, -2);
        QCOMPARE(lua_pcall(L, 0, 1, 0), 0); /* stack: factory, closure1, closure2 */
        QVERIFY(lua_isfunction(L, -1) && lua_isfunction(L, -2));
        QVERIFY(!lua_rawequal(L, -1, -2));
        QCOMPARE(run(L), u"@"_s + QString::fromStdString(file) + u"|1|"_s + what);
        QCOMPARE(run(L), u"@"_s + QString::fromStdString(file) + u"|1|"_s + what);
        lua_pop(L, 1);
    }

    void shebang_data()
    {
        QTest::addColumn<FactoryStyle>("style");
        QTest::newRow("main chunk") << FactoryStyle::MainChunk;
        QTest::newRow("source wrap") << FactoryStyle::SourceWrap;
    }
    void shebang()
    {
        QFETCH(FactoryStyle, style);
        // nginx printed "line 2" for this file.
        const std::string file = write(QStringLiteral("shebang.lua"),
                                       "#!/usr/bin/env luajit\n"
                                       "return 'line ' .. debug.getinfo(1).currentline\n");
        QVERIFY(loadFileFactory(L, file, style).ok());
        QCOMPARE(lua_pcall(L, 0, 1, 0), 0);
        QCOMPARE(run(L), QStringLiteral("line 2"));
    }

    void bytecode_data()
    {
        QTest::addColumn<FactoryStyle>("style");
        QTest::addColumn<bool>("strip");
        QTest::addColumn<QString>("expected");
        // string.dump(loadstring('local a = 1\nerror("bc boom")\n', '=mychunk'))
        // nginx logged "runtime error: mychunk:2: bc boom" and, stripped,
        // "runtime error: /tmp/rtref/lua/bc.lua:0: bc boom".
        QTest::newRow("full, main chunk")
            << FactoryStyle::MainChunk << false << "error: mychunk:2: bc boom";
        QTest::newRow("stripped, main chunk")
            << FactoryStyle::MainChunk << true << "error: /tmp/rtref/lua/bc.lua:0: bc boom";
        QTest::newRow("full, source wrap")
            << FactoryStyle::SourceWrap << false << "error: mychunk:2: bc boom";
        QTest::newRow("stripped, source wrap")
            << FactoryStyle::SourceWrap << true << "error: /tmp/rtref/lua/bc.lua:0: bc boom";
    }
    void bytecode()
    {
        QFETCH(FactoryStyle, style);
        QFETCH(bool, strip);
        QFETCH(QString, expected);
        const QByteArray bc = dump(L, "local a = 1\nerror(\"bc boom\")\n", "=mychunk", strip);
        const std::string file = write(QStringLiteral("bc.lua"), bc);
        const FactoryResult r = loadFileFactory(L, file, style);
        QVERIFY2(r.ok(), r.error.c_str());
        QVERIFY(r.bytecode);
        QCOMPARE(r.bytes, std::size_t(bc.size()));
        lua_pushvalue(L, -1);
        QCOMPARE(lua_pcall(L, 0, 1, 0), 0);
        lua_pushvalue(L, -2);
        QCOMPARE(lua_pcall(L, 0, 1, 0), 0); /* stack: factory, closure1, closure2 */
        QVERIFY(!lua_rawequal(L, -1, -2));
        QCOMPARE(run(L), here(expected));
        QCOMPARE(run(L), here(expected));
        lua_pop(L, 1);
    }

    void bytecodeTraceback_data()
    {
        QTest::addColumn<bool>("strip");
        QTest::addColumn<QString>("frame");
        // nginx's "lua entry thread aborted" tracebacks for the two dumps above.
        QTest::newRow("full") << false << "mychunk:2: in main chunk";
        QTest::newRow("stripped") << true
                                  << "/tmp/rtref/lua/bc.lua: in function </tmp/rtref/lua/bc.lua:0>";
    }
    void bytecodeTraceback()
    {
        QFETCH(bool, strip);
        QFETCH(QString, frame);
        const std::string file =
            write(QStringLiteral("bc.lua"),
                  dump(L, "local a = 1\nerror(\"bc boom\")\n", "=mychunk", strip));
        QVERIFY(loadFileFactory(L, file).ok());
        QCOMPARE(lua_pcall(L, 0, 1, 0), 0); /* stack: closure */
        lua_getglobal(L, "debug");
        lua_getfield(L, -1, "traceback");
        lua_remove(L, -2);
        lua_insert(L, -2); /* stack: traceback, closure */
        QVERIFY(lua_pcall(L, 0, 0, 1) != 0);
        const QString trace = top(L);
        lua_pop(L, 2);
        QVERIFY2(trace.contains(u"\n\t[C]: in function 'error'\n\t"_s + here(frame)),
                 qPrintable(trace));
    }

    void bytecodeSource_data()
    {
        QTest::addColumn<bool>("strip");
        QTest::addColumn<QString>("expected");
        // nginx printed "bc ok =okchunk 1" and, stripped, "bc ok @/tmp/rtref/lua/bc_ok.lua 0".
        QTest::newRow("full") << false << "=okchunk|1";
        QTest::newRow("stripped") << true << "@/tmp/rtref/lua/bc_ok.lua|0";
    }
    void bytecodeSource()
    {
        QFETCH(bool, strip);
        QFETCH(QString, expected);
        const std::string file =
            write(QStringLiteral("bc_ok.lua"),
                  dump(L, "return debug.getinfo(1).source, debug.getinfo(1).currentline",
                       "=okchunk", strip));
        QVERIFY(loadFileFactory(L, file).ok());
        QCOMPARE(lua_pcall(L, 0, 1, 0), 0);
        QCOMPARE(run(L), here(expected));
    }

    void failures_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("content"); // "<dir>": a directory; "<none>": no file
        QTest::addColumn<LoadStatus>("status");
        QTest::addColumn<int>("http");
        QTest::addColumn<QString>("error");
        QTest::newRow("missing") << "missing.lua" << QByteArray("<none>") << LoadStatus::NotFound
                                 << 404
                                 << "cannot open /tmp/rtref/lua/missing.lua: No such file or "
                                    "directory";
        QTest::newRow("directory") << "adir" << QByteArray("<dir>") << LoadStatus::FileError << 503
                                   << "cannot read /tmp/rtref/lua/adir: Is a directory";
        QTest::newRow("not a directory")
            << "a.lua/zz" << QByteArray("<none>") << LoadStatus::FileError << 503
            << "cannot open /tmp/rtref/lua/a.lua/zz: Not a directory";
        QTest::newRow("shebang then bytecode")
            << "bc_shebang.lua" << QByteArray("#!/usr/bin/env luajit\n\x1bLJ\x02")
            << LoadStatus::FileError << 503
            << "bad byte-code header in /tmp/rtref/lua/bc_shebang.lua";
        QTest::newRow("bad bytecode")
            << "bc_bad.lua" << QByteArray("\x1bLxx garbage") << LoadStatus::SyntaxError << 500
            << "/tmp/rtref/lua/bc_bad.lua: cannot load incompatible bytecode";
        QTest::newRow("syntax error")
            << "syntax.lua" << QByteArray("local x = \nngx.say(x\n") << LoadStatus::SyntaxError
            << 500
            << "/tmp/rtref/lua/syntax.lua:3: ')' expected (to close '(' at line 2) near '<eof>'";
        QTest::newRow("unclosed if")
            << "unterminated.lua" << QByteArray("if true then\nngx.say(1)\n")
            << LoadStatus::SyntaxError << 500
            << "/tmp/rtref/lua/unterminated.lua:3: 'end' expected (to close 'if' at line 1) "
               "near '<eof>'";
    }
    void failures()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, content);
        QFETCH(LoadStatus, status);
        QFETCH(int, http);
        QFETCH(QString, error);
        if (content == "<dir>") {
            QVERIFY(QDir(dir.path()).mkpath(name));
        } else if (content != "<none>") {
            write(name, content);
        } else if (name.contains(QLatin1Char('/'))) {
            write(name.section(QLatin1Char('/'), 0, 0), "return 1");
        }
        const FactoryResult r = loadFileFactory(L, path(name));
        QCOMPARE(r.status, status);
        QCOMPARE(httpStatusFor(r.status), http);
        QCOMPARE(QString::fromStdString(r.error), here(error));
        QCOMPARE(lua_gettop(L), 0);
    }

    void permissionDenied()
    {
        // Recorded as nobody: "cannot open /tmp/rtnobody/lua/noperm.lua: Permission denied",
        // answered 503. Root reads any file, so as root the load runs in a child as nobody.
        QVERIFY(QFile::setPermissions(
            dir.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
                            QFileDevice::ExeGroup | QFileDevice::ExeOther));
        const std::string file = write(QStringLiteral("noperm.lua"), "return 1");
        QVERIFY(::chmod(file.c_str(), 0) == 0);
        const QString expected = QStringLiteral("%1 cannot open %2: Permission denied")
                                     .arg(int(LoadStatus::FileError))
                                     .arg(QString::fromStdString(file));
        if (::geteuid() != 0) {
            const FactoryResult r = loadFileFactory(L, file);
            QCOMPARE(QStringLiteral("%1 ").arg(int(r.status)) + QString::fromStdString(r.error),
                     expected);
            return;
        }
        int fds[2];
        QVERIFY(::pipe(fds) == 0);
        const pid_t child = ::fork();
        QVERIFY(child >= 0);
        if (child == 0) {
            ::close(fds[0]);
            std::string out = "setuid failed";
            if (::setgid(65534) == 0 && ::setuid(65534) == 0) {
                lua_State* S = luaL_newstate();
                const FactoryResult r = loadFileFactory(S, file);
                out = std::to_string(int(r.status)) + " " + r.error;
            }
            (void)!::write(fds[1], out.data(), out.size());
            ::_exit(0);
        }
        ::close(fds[1]);
        QByteArray got;
        char buf[512];
        for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) {
            got.append(buf, n);
        }
        ::close(fds[0]);
        int status = 0;
        ::waitpid(child, &status, 0);
        QCOMPARE(QString::fromUtf8(got), expected);
    }

    // Where the two styles part: OpenResty compiles the file as a main chunk.
    void styleDifferences_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("mainChunk");
        QTest::addColumn<QString>("sourceWrap");
        // nginx printed "varargs 0".
        QTest::newRow("varargs") << QByteArray("return 'varargs ' .. select('#', ...)\n")
                                 << "varargs 0"
                                 << "load: /tmp/rtref/lua/s.lua:1: cannot use '...' outside a "
                                    "vararg function near '...'";
        QTest::newRow("unclosed if")
            << QByteArray("if true then\nngx.say(1)\n")
            << "load: /tmp/rtref/lua/s.lua:3: 'end' expected (to close 'if' at line 1) near "
               "'<eof>'"
            << "load: /tmp/rtref/lua/s.lua:4: 'end' expected (to close 'function' at line 1) "
               "near '<eof>'";
        QTest::newRow("comment at end without newline")
            << QByteArray("return 'noeol'\n-- trailing comment") << "noeol"
            << "noeol";
    }
    void styleDifferences()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, mainChunk);
        QFETCH(QString, sourceWrap);
        const std::string file = write(QStringLiteral("s.lua"), content);
        for (const FactoryStyle style : {FactoryStyle::MainChunk, FactoryStyle::SourceWrap}) {
            const FactoryResult r = loadFileFactory(L, file, style);
            QString got;
            if (!r.ok()) {
                got = QStringLiteral("load: ") + QString::fromStdString(r.error);
            } else {
                QCOMPARE(lua_pcall(L, 0, 1, 0), 0);
                got = run(L);
            }
            QCOMPARE(got, here(style == FactoryStyle::MainChunk ? mainChunk : sourceWrap));
        }
    }

    void tracebackSaysMainChunk_data()
    {
        QTest::addColumn<FactoryStyle>("style");
        QTest::addColumn<QString>("frame");
        // nginx: "content_by_lua(nginx.conf:8):2: in main chunk"
        QTest::newRow("main chunk")
            << FactoryStyle::MainChunk << "content_by_lua(nginx.conf:8):2: in main chunk";
        QTest::newRow("source wrap")
            << FactoryStyle::SourceWrap
            << "content_by_lua(nginx.conf:8):2: in function <content_by_lua(nginx.conf:8):1>";
    }
    void tracebackSaysMainChunk()
    {
        QFETCH(FactoryStyle, style);
        QFETCH(QString, frame);
        const char source[] = "\nerror(\"same code\")\n            ";
        const FactoryResult r =
            loadBufferFactory(L, source, "=content_by_lua(nginx.conf:8)", style);
        QVERIFY2(r.ok(), r.error.c_str());
        QCOMPARE(r.bytes, sizeof(source) - 1);
        QCOMPARE(lua_pcall(L, 0, 1, 0), 0); /* stack: closure */
        lua_getglobal(L, "debug");
        lua_getfield(L, -1, "traceback"); /* stack: closure, debug, traceback */
        lua_remove(L, -2);
        lua_insert(L, -2); /* stack: traceback, closure */
        QVERIFY(lua_pcall(L, 0, 0, 1) != 0);
        const QString trace = top(L);
        lua_pop(L, 2);
        QVERIFY2(trace.startsWith(
                     QStringLiteral("content_by_lua(nginx.conf:8):2: same code\nstack traceback:")),
                 qPrintable(trace));
        QVERIFY2(trace.contains(QStringLiteral("\n\t") + frame), qPrintable(trace));
    }

    void inlineSyntaxErrors_data()
    {
        QTest::addColumn<QByteArray>("source");
        QTest::addColumn<QString>("chunkName");
        QTest::addColumn<QString>("error");
        // failed to load inlined Lua code: content_by_lua(nginx.conf:19):2: unexpected ...
        QTest::newRow("string form")
            << QByteArray("ngx.say(\n = 1)") << "=content_by_lua(nginx.conf:19)"
            << "content_by_lua(nginx.conf:19):2: unexpected symbol near "
               "'='";
        QTest::newRow("long conf name")
            << QByteArray("\n        'for end';\n    ")
            << "=content_by_lua(...234567890123456789012345678901234.conf:2)"
            << "content_by_lua(...234567890123456789012345678901234.conf:2):2: unexpected symbol "
               "near ''for end''";
    }
    void inlineSyntaxErrors()
    {
        QFETCH(QByteArray, source);
        QFETCH(QString, chunkName);
        QFETCH(QString, error);
        for (const FactoryStyle style : {FactoryStyle::MainChunk, FactoryStyle::SourceWrap}) {
            const FactoryResult r =
                loadBufferFactory(L, std::string_view(source.constData(), source.size()),
                                  chunkName.toStdString(), style);
            QCOMPARE(r.status, LoadStatus::SyntaxError);
            QCOMPARE(QString::fromStdString(r.error), error);
        }
    }

    void cdataConstantsSurviveTheDump()
    {
        // The main-chunk style dumps and reloads the chunk: FFI constants must come back.
        const std::string code = "local n = 2LL ^ 40 return tostring(n + 1ULL), tostring(3i)";
        QVERIFY(loadBufferFactory(L, code, "=x").ok());
        QCOMPARE(lua_pcall(L, 0, 1, 0), 0);
        QCOMPARE(run(L), QStringLiteral("1099511627777ULL|0+3i"));
    }

    void factoryPrototypeIsAppended()
    {
        const QByteArray bc = dump(L, "return 1", "=x", true);
        const auto header = parseBytecodeHeader(std::string_view(bc.constData(), bc.size()));
        QVERIFY(header && header->stripped && header->chunkName.empty());
        const auto wrapped = appendFactoryPrototype(std::string_view(bc.constData(), bc.size()));
        QVERIFY(wrapped);
        QCOMPARE(wrapped->compare(0, bc.size() - 1, bc.constData(), bc.size() - 1), 0);
        QVERIFY(wrapped->size() > std::size_t(bc.size()));
        QCOMPARE(wrapped->back(), '\0');
        // Anything after the terminating zero (or a truncated dump) is left alone.
        QVERIFY(!appendFactoryPrototype(std::string(bc.constData(), bc.size()) + "x"));
        QVERIFY(!appendFactoryPrototype(std::string_view(bc.constData(), bc.size() - 1)));
        const QByteArray full = dump(L, "return 1", "=named", false);
        const auto fullHeader =
            parseBytecodeHeader(std::string_view(full.constData(), full.size()));
        QVERIFY(fullHeader && !fullHeader->stripped);
        QCOMPARE(std::string(fullHeader->chunkName), std::string("=named"));
    }
};

QTEST_GUILESS_MAIN(TestClosureFactory)
#include "tst_closurefactory.moc"
