// The byte codecs of the ngx API, against values recorded from nginx 1.22.1 with
// lua-nginx-module 0.10.23 and lua-resty-core 0.1.25.

#include "engine/api/codec.h"

#include <QtTest>

using namespace restyscope::engine::api;

namespace {

QByteArray bytes(const std::string& text)
{
    return QByteArray(text.data(), static_cast<qsizetype>(text.size()));
}

std::string str(const QByteArray& data)
{
    return std::string(data.constData(), static_cast<std::size_t>(data.size()));
}

// Bit b of the 256-bit map (64 hex digits, most significant first) is set when nginx
// escaped byte b.
bool bitSet(const QByteArray& hexMap, int b)
{
    const int digit = 63 - b / 4;
    const int value = QByteArray(1, hexMap.at(digit)).toInt(nullptr, 16);
    return (value >> (b % 4)) & 1;
}

} // namespace

class TestCodec : public QObject
{
    Q_OBJECT

private slots:
    void escapeSets_data()
    {
        QTest::addColumn<int>("type");
        QTest::addColumn<QByteArray>("map");
        // ngx.escape_uri(all 256 bytes, type), recorded; 7 and 8 from ngx.header names and
        // values read back with ngx.resp.get_headers(0, true).
        QTest::newRow("0 uri")
            << 0 << QByteArray("ffffffffffffffffffffffffffffffff800000000000000080000029ffffffff");
        QTest::newRow("1 args")
            << 1 << QByteArray("ffffffffffffffffffffffffffffffff800000000000000080000829ffffffff");
        QTest::newRow("2 uri component")
            << 2 << QByteArray("ffffffffffffffffffffffffffffffffb800000178000001fc00987dffffffff");
        QTest::newRow("3 html")
            << 3 << QByteArray("ffffffffffffffffffffffffffffffff8000000000000000000000adffffffff");
        QTest::newRow("4 refresh")
            << 4 << QByteArray("ffffffffffffffffffffffffffffffff800000000000000000000085ffffffff");
        QTest::newRow("5 memcached")
            << 5 << QByteArray("00000000000000000000000000000000000000000000000000000021ffffffff");
        QTest::newRow("6 mail auth")
            << 6 << QByteArray("00000000000000000000000000000000000000000000000000000021ffffffff");
        QTest::newRow("7 header name")
            << 7 << QByteArray("ffffffffffffffffffffffffffffffffa800000038000001fc009305ffffffff");
        QTest::newRow("8 header value")
            << 8 << QByteArray("00000000000000000000000000000000800000000000000000000000fffffdff");
    }
    void escapeSets()
    {
        QFETCH(int, type);
        QFETCH(QByteArray, map);
        std::string all;
        std::string expected;
        std::size_t escaped = 0;
        for (int b = 0; b < 256; ++b) {
            escaped += bitSet(map, b) ? 1 : 0;
            QCOMPARE(needsEscape(static_cast<unsigned char>(b), static_cast<EscapeType>(type)),
                     bitSet(map, b));
            all.push_back(static_cast<char>(b));
            if (bitSet(map, b)) {
                static constexpr char hex[] = "0123456789ABCDEF";
                expected.push_back('%');
                expected.push_back(hex[b >> 4]);
                expected.push_back(hex[b & 0xf]);
            } else {
                expected.push_back(static_cast<char>(b));
            }
        }
        QCOMPARE(bytes(escapeUri(all, static_cast<EscapeType>(type))), bytes(expected));
        QCOMPARE(escapedCount(all, static_cast<EscapeType>(type)), escaped);
    }

    void setUriArgs()
    {
        // ngx.req.set_uri_args("a=1&b=%20 x") made "a=1&b=%20%20x".
        QCOMPARE(bytes(escapeSetUriArgs("a=1&b=%20 x")), QByteArray("a=1&b=%20%20x"));
        QCOMPARE(bytes(escapeSetUriArgs(std::string("\x01\x7f\x80+", 4))),
                 QByteArray("%01%7F\x80+"));
    }

    void unescape_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("output");
        QTest::newRow("mixed") << QByteArray("a%20b+c%2Bd%zz%4%%41%e4%B8%ad")
                               << QByteArray("a b c+d%zz%4%A\xe4\xb8\xad");
        QTest::newRow("lone percent") << QByteArray("%") << QByteArray("%");
        QTest::newRow("short escape") << QByteArray("%4") << QByteArray("%4");
        QTest::newRow("question mark") << QByteArray("%3f?x") << QByteArray("??x");
        QTest::newRow("empty") << QByteArray() << QByteArray();
    }
    void unescape()
    {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, output);
        QCOMPARE(bytes(unescapeUriComponent(str(input))), output);
    }

    void base64Encode_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<bool>("noPadding");
        QTest::addColumn<QByteArray>("output");
        QTest::newRow("a") << QByteArray("a") << false << QByteArray("YQ==");
        QTest::newRow("ab") << QByteArray("ab") << false << QByteArray("YWI=");
        QTest::newRow("abc") << QByteArray("abc") << false << QByteArray("YWJj");
        QTest::newRow("a no padding") << QByteArray("a") << true << QByteArray("YQ");
        QTest::newRow("ab no padding") << QByteArray("ab") << true << QByteArray("YWI");
        QTest::newRow("empty") << QByteArray() << false << QByteArray();
        QTest::newRow("12") << QByteArray("12") << false << QByteArray("MTI=");
        QTest::newRow("md5 of hello") << QByteArray::fromHex("5d41402abc4b2a76b9719d911017c592")
                                      << false << QByteArray("XUFAKrxLKna5cZ2REBfFkg==");
    }
    void base64Encode()
    {
        QFETCH(QByteArray, input);
        QFETCH(bool, noPadding);
        QFETCH(QByteArray, output);
        QCOMPARE(bytes(encodeBase64(str(input), noPadding)), output);
    }

    void base64Decode_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QByteArray>("output");
        // Recorded with ngx.decode_base64.
        QTest::newRow("YQ==") << QByteArray("YQ==") << true << QByteArray("a");
        QTest::newRow("YQ") << QByteArray("YQ") << true << QByteArray("a");
        QTest::newRow("YWI=") << QByteArray("YWI=") << true << QByteArray("ab");
        QTest::newRow("Y") << QByteArray("Y") << false << QByteArray();
        QTest::newRow("Y!==") << QByteArray("Y!==") << false << QByteArray();
        QTest::newRow("empty") << QByteArray() << true << QByteArray();
        QTest::newRow("stops at =") << QByteArray("YQ==YQ==") << true << QByteArray("a");
        QTest::newRow("garbage after =") << QByteArray("YQ=x") << true << QByteArray("a");
        QTest::newRow("space") << QByteArray("YW Jj") << false << QByteArray();
        QTest::newRow("url alphabet") << QByteArray("-_-_") << false << QByteArray();
        QTest::newRow("newline") << QByteArray("YWJj\n") << false << QByteArray();
        QTest::newRow("spare bits ignored") << QByteArray("YR==") << true << QByteArray("a");
    }
    void base64Decode()
    {
        QFETCH(QByteArray, input);
        QFETCH(bool, valid);
        QFETCH(QByteArray, output);
        const auto decoded = decodeBase64(str(input));
        QCOMPARE(decoded.has_value(), valid);
        if (valid) {
            QCOMPARE(bytes(*decoded), output);
        }
    }

    void quoteSql()
    {
        // ngx.quote_sql_str("a'b\"c\\d\0e\nf\rg\th\bi\26j") as nginx quoted it.
        const std::string input("a'b\"c\\d\0e\nf\rg\th\bi\x1aj", 19);
        QCOMPARE(bytes(quoteSqlString(input)),
                 QByteArray("'a\\'b\\\"c\\\\d\\0e\\nf\\rg\\th\\bi\\Zj'"));
        QCOMPARE(bytes(quoteSqlString("")), QByteArray("''"));
        QCOMPARE(bytes(quoteSqlString("\xe4\xb8\xad'")), QByteArray("'\xe4\xb8\xad\\''"));
    }

    void crc_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<quint32>("crc");
        QTest::newRow("hello") << QByteArray("hello") << quint32(907060870);
        QTest::newRow("empty") << QByteArray() << quint32(0);
        QTest::newRow("abc x100") << QByteArray("abc").repeated(100) << quint32(3502553220u);
        QTest::newRow("12") << QByteArray("12") << quint32(1330857165);
    }
    void crc()
    {
        QFETCH(QByteArray, input);
        QFETCH(quint32, crc);
        QCOMPARE(crc32(str(input)), crc);
    }

    void hex() { QCOMPARE(bytes(hexDump(std::string("\x00\xff\x5d", 3))), QByteArray("00ff5d")); }
};

QTEST_GUILESS_MAIN(TestCodec)
#include "tst_codec.moc"
