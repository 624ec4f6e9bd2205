// ngx.req.set_header / clear_header on the request's headers, against what nginx 1.22.1
// (lua-nginx-module 0.10.23) showed through ngx.req.get_headers(nil, true) and $host.

#include "engine/api/reqheaders.h"
#include "engine/http/request.h"

#include <QtTest>

using namespace restyscope::engine;
using namespace restyscope::engine::api;

namespace {

QByteArrayList lines(const http::Request& request)
{
    QByteArrayList out;
    for (const auto& field : request.headers) {
        out << QByteArray::fromStdString(field.name + ": " + field.value);
    }
    return out;
}

void setAll(http::Request& request, const std::string& name, const std::vector<std::string>& values)
{
    for (std::size_t i = 0; i < values.size(); ++i) {
        QVERIFY(setInputHeader(request, name, values[i], i == 0));
    }
}

} // namespace

class TestReqHeaders : public QObject
{
    Q_OBJECT

private slots:
    void edits()
    {
        http::Request request;
        request.headers = {{"Host", "localhost"}, {"User-Agent", "UA/1"}, {"X-Multi", "1"},
                           {"x-multi", "2"},      {"X-Foo", "old"},       {"Connection", "close"}};
        request.host = "localhost";
        QVERIFY(setInputHeader(request, "X-Foo", "new", true));
        setAll(request, "x_bar", {"a", "b"});
        QVERIFY(setInputHeader(request, "X-Multi", "one", true));
        QVERIFY(setInputHeader(request, "User-Agent", "", true)); // clear_header
        QVERIFY(setInputHeader(request, "X-Num", "12", true));
        QVERIFY(setInputHeader(request, "X-Bool", "true", true));
        QVERIFY(setInputHeader(request, "X-Esc", "a\nb", true));
        QVERIFY(setInputHeader(request, "Host", "Example.COM:8080", true));
        QVERIFY(setInputHeader(request, "X-Nil", "", true));
        QVERIFY(setInputHeader(request, "X-Gone", "", true));
        QVERIFY(setInputHeader(request, "x-foo", "", true));
        // nginx's get_headers(nil, true) after these, as a sorted dump (Lua cannot see the
        // order): Connection=close Host=Example.COM:8080 X-Bool=true X-Esc=a%0Ab X-Multi=one
        // X-Num=12 x_bar={a,b}
        QByteArrayList got = lines(request);
        std::sort(got.begin(), got.end());
        QCOMPARE(got, (QByteArrayList{"Connection: close", "Host: Example.COM:8080", "X-Bool: true",
                                      "X-Esc: a%0Ab", "X-Multi: one", "X-Num: 12", "x_bar: a",
                                      "x_bar: b"}));
        QCOMPARE(QByteArray::fromStdString(request.host), QByteArray("example.com"));
    }

    void hosts_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QByteArray>("host");
        QTest::newRow("port and case")
            << QByteArray("Example.COM:8080") << true << QByteArray("example.com");
        QTest::newRow("slash") << QByteArray("a/b") << false << QByteArray();
        QTest::newRow("double dot") << QByteArray("a..b") << false << QByteArray();
        QTest::newRow("trailing dot")
            << QByteArray("example.com.") << true << QByteArray("example.com");
        QTest::newRow("ipv6 literal") << QByteArray("[::1]:80") << true << QByteArray("[::1]");
    }
    void hosts()
    {
        QFETCH(QByteArray, value);
        QFETCH(bool, valid);
        QFETCH(QByteArray, host);
        const auto result = validateHost(value.toStdString());
        QCOMPARE(result.has_value(), valid);
        if (valid) {
            QCOMPARE(QByteArray::fromStdString(*result), host);
        }
    }

    void badContentLength()
    {
        http::Request request;
        QVERIFY(!setInputHeader(request, "Content-Length", "x1", true));
        QVERIFY(setInputHeader(request, "Content-Length", "12", true));
        QCOMPARE(request.contentLength, std::int64_t(12));
    }
};

QTEST_GUILESS_MAIN(TestReqHeaders)
#include "tst_reqheaders.moc"
