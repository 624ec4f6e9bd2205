// The chunked body decoder: nginx's rules (bare LF, extensions, trailers, size limits),
// fed whole and byte by byte.

#include "engine/http/chunked.h"

#include <QtTest>

using namespace restyscope::engine::http;

namespace {

struct Outcome
{
    ChunkedParser::Result result = ChunkedParser::Result::Again;
    std::string body;
    std::size_t used = 0;
};

Outcome decodeAll(const std::string& input, std::size_t piece)
{
    ChunkedParser parser;
    Outcome out;
    auto onData = [&](const char* data, std::size_t size) { out.body.append(data, size); };
    while (out.used < input.size()) {
        const std::size_t n = std::min(piece, input.size() - out.used);
        std::size_t used = 0;
        out.result = parser.parse(std::string_view(input).substr(out.used, n), used, onData);
        out.used += used;
        if (out.result != ChunkedParser::Result::Again) {
            break;
        }
    }
    return out;
}

} // namespace

Q_DECLARE_METATYPE(ChunkedParser::Result)

class TestChunked : public QObject
{
    Q_OBJECT

private slots:
    void decode_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<ChunkedParser::Result>("result");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("used"); // -1: all of it
        using R = ChunkedParser::Result;
        QTest::newRow("crlf") << QByteArray("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n") << R::Done
                              << QByteArray("hello world") << -1;
        QTest::newRow("bare lf") << QByteArray("5\nhello\n0\n\n") << R::Done << QByteArray("hello")
                                 << -1;
        QTest::newRow("extensions") << QByteArray("5;a=b\r\nhello\r\n0;last\r\n\r\n") << R::Done
                                    << QByteArray("hello") << -1;
        QTest::newRow("space after size")
            << QByteArray("5 \r\nhello\r\n0\r\n\r\n") << R::Done << QByteArray("hello") << -1;
        QTest::newRow("trailer") << QByteArray("3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n") << R::Done
                                 << QByteArray("abc") << -1;
        QTest::newRow("uppercase hex") << QByteArray("A\r\n0123456789\r\n0\r\n\r\n") << R::Done
                                       << QByteArray("0123456789") << -1;
        QTest::newRow("next request stays")
            << QByteArray("1\r\nx\r\n0\r\n\r\nGET /") << R::Done << QByteArray("x") << 11;
        QTest::newRow("unfinished")
            << QByteArray("5\r\nhel") << R::Again << QByteArray("hel") << -1;
        QTest::newRow("not hex") << QByteArray("zz\r\n") << R::Invalid << QByteArray() << 1;
        QTest::newRow("negative") << QByteArray("-5\r\n") << R::Invalid << QByteArray() << 1;
        QTest::newRow("data too long")
            << QByteArray("3\r\nhello\r\n") << R::Invalid << QByteArray("hel") << 7;
        QTest::newRow("overflow") << QByteArray("fffffffffffffffff\r\n") << R::Invalid
                                  << QByteArray() << 16;
        QTest::newRow("largest size")
            << QByteArray("7ffffffffffffff\r\nab") << R::Again << QByteArray("ab") << -1;
        QTest::newRow("cr without lf") << QByteArray("5\rhello") << R::Invalid << QByteArray() << 3;
    }

    void decode()
    {
        QFETCH(QByteArray, input);
        QFETCH(ChunkedParser::Result, result);
        QFETCH(QByteArray, body);
        QFETCH(int, used);
        const std::size_t expectedUsed = used < 0 ? std::size_t(input.size()) : std::size_t(used);
        for (std::size_t piece : {std::size_t(1), std::size_t(3), std::size_t(1) << 20}) {
            const Outcome out = decodeAll(input.toStdString(), piece);
            QCOMPARE(out.result, result);
            QCOMPARE(QByteArray::fromStdString(out.body), body);
            QCOMPARE(out.used, expectedUsed);
        }
    }
};

QTEST_APPLESS_MAIN(TestChunked)
#include "tst_chunked.moc"
