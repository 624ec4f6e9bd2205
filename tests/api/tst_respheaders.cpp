// ngx.header's model of nginx's headers_out list: sequences of assignments and the header
// lines nginx 1.22.1 (lua-nginx-module 0.10.23) sent for them.

#include "engine/api/respheaders.h"
#include "engine/http/response.h"

#include <QtTest>

#include <optional>

using namespace restyscope::engine;
using namespace restyscope::engine::api;

namespace {

// One assignment: name = nil, or name = the values (a table when several, or none).
struct Op
{
    QByteArray name;
    std::optional<QByteArrayList> values; // nullopt: nil
};

Op set(const char* name, QByteArrayList values)
{
    return {name, std::move(values)};
}

Op clear(const char* name)
{
    return {name, std::nullopt};
}

bool apply(http::ResponseHeaders& headers, ResponseHeaderState& state, const Op& op)
{
    if (!op.values) {
        return assignResponseHeader(headers, state, op.name.toStdString(), nullptr);
    }
    std::vector<std::string> values;
    for (const QByteArray& v : *op.values) {
        values.push_back(v.toStdString());
    }
    return assignResponseHeader(headers, state, op.name.toStdString(), &values);
}

// The lines nginx prints from its list: entries with a value.
QByteArrayList wire(const http::ResponseHeaders& headers)
{
    QByteArrayList lines;
    for (const auto& field : headers.headers) {
        if (!field.value.empty()) {
            lines << QByteArray::fromStdString(field.name + ": " + field.value);
        }
    }
    return lines;
}

bool hasEntry(const http::ResponseHeaders& headers, std::string_view name)
{
    for (const auto& field : headers.headers) {
        if (http::equalsIgnoreCase(field.name, name)) {
            return true;
        }
    }
    return false;
}

} // namespace

Q_DECLARE_METATYPE(std::vector<Op>)

class TestRespHeaders : public QObject
{
    Q_OBJECT

private slots:
    void sequences_data()
    {
        QTest::addColumn<std::vector<Op>>("ops");
        QTest::addColumn<QByteArrayList>("lines");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<qint64>("contentLength");

        QTest::newRow("names, tables, deletes, escapes")
            << std::vector<Op>{set("X_Foo_Bar", {"v"}),
                               set("x-multi", {"a", "b", "3"}),
                               set("X-MULTI", {"c", "d"}),
                               set("num", {"12.5"}),
                               set("bool", {"true"}),
                               set("x-ab", {"1"}),
                               set("X-AB", {"2"}),
                               set("del", {"x"}),
                               clear("del"),
                               set("empty", {}),
                               set("emptystr", {""}),
                               set("1", {"one"}),
                               set("a b", {"x\ny\tz\rw"})}
            << QByteArrayList{"X-Foo-Bar: v", "x-multi: c", "X-MULTI: d", "num: 12.5",
                              "bool: true",   "x-ab: 2",    "1: one",     "a%20b: x%0Ay\tz%0Dw"}
            << QByteArray() << qint64(-1);

        QTest::newRow("re-set after delete takes the new spelling")
            << std::vector<Op>{set("Foo", {"a"}),      clear("foo"),
                               set("FOO", {"b"}),      set("bar", {"a", "b"}),
                               set("BAR", {"c"}),      set("baz", {"1"}),
                               set("Baz", {"2", "3"}), set("Set_Cookie", {"a=1", "b=2"})}
            << QByteArrayList{"FOO: b", "bar: c",          "baz: 2",
                              "Baz: 3", "Set-Cookie: a=1", "Set-Cookie: b=2"}
            << QByteArray() << qint64(-1);

        QTest::newRow("built-in headers")
            << std::vector<Op>{clear("Server"),
                               set("date", {""}),
                               set("foo", {"1"}),
                               set("E_Tag", {"e1"}),
                               set("ETAG", {"e2"}),
                               set("Refresh", {"r1", "r2"}),
                               set("location", {"/rel"}),
                               clear("Location"),
                               set("LOCATION", {"/again"}),
                               set("content_type", {"a/a", "b/b"}),
                               set("cache_control", {"c1", "c2", "c3"}),
                               clear("CACHE_CONTROL"),
                               set("cache_control", {"c4", "c5"})}
            << QByteArrayList{"foo: 1",           "ETAG: e2",          "Refresh: r2",
                              "LOCATION: /again", "cache-control: c4", "cache-control: c5"}
            << QByteArray("b/b") << qint64(-1);

        QTest::newRow("built-in pointer keeps the place, takes the name")
            << std::vector<Op>{set("Server", {"s1"}),
                               set("foo", {"1"}),
                               clear("server"),
                               set("SERVER", {"s2"}),
                               set("Content_Length", {"20"}),
                               clear("content_length"),
                               set("Content_LENGTH", {"2"})}
            << QByteArrayList{"SERVER: s2", "foo: 1", "Content-LENGTH: 2"} << QByteArray()
            << qint64(2);

        QTest::newRow("content-length line")
            << std::vector<Op>{set("content_length", {"3"})} << QByteArrayList{"content-length: 3"}
            << QByteArray() << qint64(3);

        QTest::newRow("content type")
            << std::vector<Op>{set("content_type", {"text/html; charset=utf-8"})}
            << QByteArrayList{} << QByteArray("text/html; charset=utf-8") << qint64(-1);

        QTest::newRow("resp.get_headers sequence")
            << std::vector<Op>{set("x", {}),
                               set("y", {""}),
                               set("z", {"", "a"}),
                               set("content_type", {"a/b"}),
                               set("cache_control", {"c"}),
                               set("x_m", {"1", "2"}),
                               set("content_length", {"10"}),
                               clear("content_length")}
            << QByteArrayList{"z: a", "cache-control: c", "x-m: 1", "x-m: 2"} << QByteArray("a/b")
            << qint64(-1);
    }
    void sequences()
    {
        QFETCH(std::vector<Op>, ops);
        QFETCH(QByteArrayList, lines);
        QFETCH(QByteArray, contentType);
        QFETCH(qint64, contentLength);
        http::ResponseHeaders headers;
        ResponseHeaderState state;
        for (const Op& op : ops) {
            QVERIFY(apply(headers, state, op));
        }
        QCOMPARE(wire(headers), lines);
        QCOMPARE(QByteArray::fromStdString(headers.contentType), contentType);
        QCOMPARE(qint64(headers.contentLength), contentLength);
        QVERIFY(state.headersSet);
    }

    void suppressedBuiltins()
    {
        // Server = nil and Date = "": no such line at all (nginx keeps a cleared entry, so
        // its header filter prints no default one either).
        http::ResponseHeaders headers;
        ResponseHeaderState state;
        QVERIFY(apply(headers, state, clear("Server")));
        QVERIFY(apply(headers, state, set("date", {""})));
        QVERIFY(hasEntry(headers, "Server"));
        QVERIFY(hasEntry(headers, "Date"));
        QVERIFY(wire(headers).isEmpty());
    }

    void mimeSet()
    {
        http::ResponseHeaders headers;
        ResponseHeaderState state;
        QVERIFY(apply(headers, state, set("foo", {"bar"})));
        QVERIFY(!state.mimeSet);
        QVERIFY(apply(headers, state, clear("content_type")));
        QVERIFY(state.mimeSet);
        QVERIFY(headers.contentType.empty());
    }

    void badContentLength_data()
    {
        QTest::addColumn<QByteArray>("value");
        // Each failed with "failed to set header".
        QTest::newRow("abc") << QByteArray("abc");
        QTest::newRow("-1") << QByteArray("-1");
        QTest::newRow("12x") << QByteArray("12x");
        QTest::newRow("1.5") << QByteArray("1.5");
    }
    void badContentLength()
    {
        QFETCH(QByteArray, value);
        http::ResponseHeaders headers;
        ResponseHeaderState state;
        QVERIFY(!apply(headers, state, set("content_length", {value})));
        QCOMPARE(headers.contentLength, std::int64_t(-1));
    }

    void reads()
    {
        http::ResponseHeaders headers;
        ResponseHeaderState state;
        QVERIFY(getOutputHeader(headers, state, "Content-Type").empty());
        QVERIFY(apply(headers, state, set("X-Multi", {"a", "b"})));
        QVERIFY(apply(headers, state, set("num", {"12.5"})));
        QVERIFY(apply(headers, state, set("gone", {"x"})));
        QVERIFY(apply(headers, state, clear("gone")));
        QCOMPARE(getOutputHeader(headers, state, "x-multi"), (std::vector<std::string>{"a", "b"}));
        QCOMPARE(getOutputHeader(headers, state, "NUM"), std::vector<std::string>{"12.5"});
        QVERIFY(getOutputHeader(headers, state, "gone").empty());

        // Last-Modified reads back as nginx formats its parsed time; nil when unparsable.
        QVERIFY(apply(headers, state, set("Last_Modified", {"Thu, 18 Nov 2010 11:27:35 GMT"})));
        QCOMPARE(getOutputHeader(headers, state, "Last-Modified"),
                 std::vector<std::string>{"Thu, 18 Nov 2010 11:27:35 GMT"});
        QVERIFY(apply(headers, state, set("last_modified", {"not a date"})));
        QVERIFY(getOutputHeader(headers, state, "Last-Modified").empty());
        // The pointer took the new spelling, as for Server and ETag.
        QCOMPARE(wire(headers).last(), QByteArray("last-modified: not a date"));
    }
};

QTEST_GUILESS_MAIN(TestRespHeaders)
#include "tst_respheaders.moc"
