// Query-string parsing and encoding of the ngx API, against what nginx 1.22.1 with
// lua-nginx-module 0.10.23 gave for ngx.req.get_uri_args, ngx.decode_args and
// ngx.encode_args.

#include "engine/api/querystring.h"

#include <lua.hpp>

#include <QtTest>

using namespace restyscope::engine::api;

namespace {

// "k=v k2=true k3=" in the order parsed; values shown as nginx's Lua tables would hold them.
QByteArray render(const ParsedArgs& parsed)
{
    QByteArrayList parts;
    for (const QueryArg& arg : parsed.args) {
        parts << QByteArray::fromStdString(arg.key) + '=' +
                     (arg.value ? QByteArray::fromStdString(*arg.value) : QByteArray("true"));
    }
    QByteArray out = parts.join(' ');
    if (parsed.truncated) {
        out += " truncated";
    }
    return out;
}

// Runs Lua that leaves one table on the stack and returns ngx.encode_args of it.
QByteArray encode(const char* tableExpression, QByteArray* error = nullptr)
{
    lua_State* L = luaL_newstate();
    luaL_openlibs(L);
    const QByteArray code = QByteArray("return ") + tableExpression;
    luaL_dostring(L, code.constData());
    std::string out;
    std::string message;
    const bool ok = encodeArgs(L, -1, out, message);
    lua_close(L);
    if (error) {
        *error = QByteArray::fromStdString(message);
    }
    return ok ? QByteArray::fromStdString(out) : QByteArray("<error>");
}

} // namespace

class TestQueryString : public QObject
{
    Q_OBJECT

private slots:
    void uriArgs_data()
    {
        QTest::addColumn<QByteArray>("args");
        QTest::addColumn<int>("max");
        QTest::addColumn<QByteArray>("parsed");
        const QByteArray big = "a=1&a=2&b&c=&d=%20x+y&=e&f==&&g=%zz&h=%41%4&A=up&%61=enc&i=1&i&i=";
        QTest::newRow("everything") << big << -1
                                    << QByteArray("a=1 a=2 b=true c= d= x y f== g=%zz h=A%4 "
                                                  "A=up a=enc i=1 i=true i=");
        QTest::newRow("max 2 of everything") << big << 2 << QByteArray("a=1 a=2 truncated");
        QTest::newRow("true is max 1") << big << 1 << QByteArray("a=1 truncated");
        QTest::newRow("two of two") << QByteArray("a=1&b=2") << 2 << QByteArray("a=1 b=2");
        QTest::newRow("one of two") << QByteArray("a=1&b=2") << 1 << QByteArray("a=1 truncated");
        QTest::newRow("no limit") << QByteArray("a=1&b=2") << 0 << QByteArray("a=1 b=2");
        QTest::newRow("empty pieces count")
            << QByteArray("&&&a=1") << 2 << QByteArray("a=1 truncated");
        QTest::newRow("empty pieces, max 1")
            << QByteArray("&&&a=1") << 1 << QByteArray("a=1 truncated");
        QTest::newRow("empty pieces, no limit") << QByteArray("&&&a=1") << 0 << QByteArray("a=1");
        QTest::newRow("none") << QByteArray() << 2 << QByteArray();
        QTest::newRow("lone key") << QByteArray("a") << 1 << QByteArray("a=true");
        QTest::newRow("trailing &")
            << QByteArray("a=1&b=2&") << 2 << QByteArray("a=1 b=2 truncated");
        QTest::newRow("trailing &, no limit")
            << QByteArray("a=1&b=2&") << 0 << QByteArray("a=1 b=2");
    }
    void uriArgs()
    {
        QFETCH(QByteArray, args);
        QFETCH(int, max);
        QFETCH(QByteArray, parsed);
        QCOMPARE(render(parseUriArgs(args.toStdString(), max)), parsed);
    }

    void manyUriArgs()
    {
        // 150 k=v pairs and last=1: the default max is 100.
        const std::string args = QByteArray("k=v&").repeated(150).toStdString() + "last=1";
        const ParsedArgs defaults = parseUriArgs(args, -1);
        QCOMPARE(defaults.args.size(), std::size_t(100));
        QVERIFY(defaults.truncated);
        const ParsedArgs all = parseUriArgs(args, 0);
        QCOMPARE(all.args.size(), std::size_t(151));
        QVERIFY(!all.truncated);
    }

    void decodeArgs_data()
    {
        QTest::addColumn<QByteArray>("args");
        QTest::addColumn<int>("max");
        QTest::addColumn<QByteArray>("parsed");
        QTest::newRow("mixed") << QByteArray("a=1&a=2&b&c=&=d&e=%41+b&&f=x=y") << 100
                               << QByteArray("a=1 a=2 b=true c= e=A b f=x=y");
        QTest::newRow("3 pairs, max 2")
            << QByteArray("a=1&b=2&c=3") << 2 << QByteArray("a=1 b=2 truncated");
        QTest::newRow("2 pairs, max 2") << QByteArray("a=1&b=2") << 2 << QByteArray("a=1 b=2");
        QTest::newRow("trailing &")
            << QByteArray("a=1&b=2&") << 2 << QByteArray("a=1 b=2 truncated");
        QTest::newRow("max 0") << QByteArray("a=1&b=2&c=3") << 0 << QByteArray("a=1 b=2 c=3");
        QTest::newRow("max -1") << QByteArray("a=1&b=2&c=3") << -1 << QByteArray("a=1 b=2 c=3");
        QTest::newRow("empty pieces count") << QByteArray("&&&a=1") << 2 << QByteArray("truncated");
        QTest::newRow("max 1") << QByteArray("a=1&b=2&c=3") << 1 << QByteArray("a=1 truncated");
        QTest::newRow("empty") << QByteArray() << 100 << QByteArray();
        QTest::newRow("number text") << QByteArray("12") << 100 << QByteArray("12=true");
    }
    void decodeArgs()
    {
        QFETCH(QByteArray, args);
        QFETCH(int, max);
        QFETCH(QByteArray, parsed);
        QCOMPARE(render(parseArgs(args.toStdString(), max)).trimmed(), parsed);
    }

    void argsTable()
    {
        // Repeated keys collect their values in order, whatever their kinds.
        lua_State* L = luaL_newstate();
        luaL_openlibs(L);
        const ParsedArgs parsed = parseUriArgs("i=1&i&i=&j=x", -1);
        pushArgsTable(L, parsed.args);
        lua_setglobal(L, "t");
        luaL_dostring(L, "return #t.i .. ' ' .. t.i[1] .. ' ' .. tostring(t.i[2]) .. ' [' .. "
                         "t.i[3] .. '] ' .. t.j");
        QCOMPARE(QByteArray(lua_tostring(L, -1)), QByteArray("3 1 true [] x"));
        lua_close(L);
    }

    void encode_data()
    {
        QTest::addColumn<QByteArray>("table");
        QTest::addColumn<QByteArray>("encoded");
        // One key each (several keys come out in the table's traversal order).
        QTest::newRow("empty") << QByteArray("{}") << QByteArray();
        QTest::newRow("escaped") << QByteArray("{a = 'x y'}") << QByteArray("a=x%20y");
        QTest::newRow("escaped key") << QByteArray("{['b c'] = 1}") << QByteArray("b%20c=1");
        QTest::newRow("true") << QByteArray("{a = true}") << QByteArray("a");
        QTest::newRow("false") << QByteArray("{b = false}") << QByteArray();
        QTest::newRow("array") << QByteArray("{c = {1, 2, true, false, 'x'}}")
                               << QByteArray("c=1&c=2&c&c=x");
        QTest::newRow("empty array") << QByteArray("{a = {}}") << QByteArray();
        QTest::newRow("specials") << QByteArray("{['a&b'] = '='}") << QByteArray("a%26b=%3D");
        QTest::newRow("unreserved")
            << QByteArray("{c = \"~-._!*'()\"}") << QByteArray("c=~-._!*'()");
        QTest::newRow("fraction") << QByteArray("{a = 1.5}") << QByteArray("a=1.5");
        QTest::newRow("minus zero") << QByteArray("{b = -0.0}") << QByteArray("b=-0");
        QTest::newRow("1e20") << QByteArray("{c = 1e20}") << QByteArray("c=1e%2B20");
        QTest::newRow("2^31") << QByteArray("{d = 2^31}") << QByteArray("d=2147483648");
        QTest::newRow("hash in value") << QByteArray("{k = {x = 'y'}}") << QByteArray("k=y");
    }
    void encode()
    {
        QFETCH(QByteArray, table);
        QFETCH(QByteArray, encoded);
        QCOMPARE(::encode(table.constData()), encoded);
    }

    void encodeErrors_data()
    {
        QTest::addColumn<QByteArray>("table");
        QTest::addColumn<QByteArray>("error");
        QTest::newRow("number key") << QByteArray("{[1] = 'a'}")
                                    << QByteArray("attempt to use a non-string key in the "
                                                  "\"args\" option table");
        QTest::newRow("function") << QByteArray("{b = function() end}")
                                  << QByteArray("attempt to use function as query arg value");
        QTest::newRow("nested table")
            << QByteArray("{a = {{}}}") << QByteArray("attempt to use table as query arg value");
    }
    void encodeErrors()
    {
        QFETCH(QByteArray, table);
        QFETCH(QByteArray, error);
        QByteArray message;
        QCOMPARE(::encode(table.constData(), &message), QByteArray("<error>"));
        QCOMPARE(message, error);
    }
};

QTEST_GUILESS_MAIN(TestQueryString)
#include "tst_querystring.moc"
