// nginx's value parsers: ngx_atoi, ngx_parse_size, ngx_parse_offset, ngx_parse_time. The
// conf cases recorded from nginx 1.22.1 (value_*) show nginx taking or refusing the same
// forms in directives.

#include "engine/conf/values.h"

#include <QTest>

using namespace restyscope::engine::conf;

class TestValues : public QObject
{
    Q_OBJECT

private slots:
    void values_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("expected"); // -1: rejected

        QTest::newRow("number") << "number"
                                << "1024" << qint64(1024);
        QTest::newRow("number zero") << "number"
                                     << "0" << qint64(0);
        QTest::newRow("number empty") << "number"
                                      << "" << qint64(-1);
        QTest::newRow("number sign") << "number"
                                     << "-1" << qint64(-1);
        QTest::newRow("number space") << "number"
                                      << "1 " << qint64(-1);
        QTest::newRow("number max") << "number"
                                    << "9223372036854775807" << qint64(9223372036854775807LL);
        QTest::newRow("number overflow") << "number"
                                         << "9223372036854775808" << qint64(-1);

        QTest::newRow("size plain") << "size"
                                    << "512" << qint64(512);
        QTest::newRow("size k") << "size"
                                << "8k" << qint64(8192);
        QTest::newRow("size K") << "size"
                                << "8K" << qint64(8192);
        QTest::newRow("size m") << "size"
                                << "1m" << qint64(1048576);
        QTest::newRow("size g refused") << "size"
                                        << "1g" << qint64(-1);
        QTest::newRow("size unit only") << "size"
                                        << "k" << qint64(-1);
        QTest::newRow("size bad unit") << "size"
                                       << "1x" << qint64(-1);
        QTest::newRow("offset g") << "offset"
                                  << "10g" << qint64(10737418240LL);
        QTest::newRow("offset m") << "offset"
                                  << "1M" << qint64(1048576);
        QTest::newRow("offset overflow") << "offset"
                                         << "9000000000g" << qint64(-1);

        QTest::newRow("ms plain number is seconds") << "ms"
                                                    << "10" << qint64(10000);
        QTest::newRow("ms seconds") << "ms"
                                    << "10s" << qint64(10000);
        QTest::newRow("ms minutes") << "ms"
                                    << "1m" << qint64(60000);
        QTest::newRow("ms milliseconds") << "ms"
                                         << "500ms" << qint64(500);
        QTest::newRow("ms combined") << "ms"
                                     << "1m30s" << qint64(90000);
        QTest::newRow("ms combined spaced") << "ms"
                                            << "1h 1m 1s 1ms" << qint64(3661001);
        QTest::newRow("ms days and weeks") << "ms"
                                           << "1w1d" << qint64(691200000);
        QTest::newRow("ms no years") << "ms"
                                     << "1y" << qint64(-1);
        QTest::newRow("ms no months") << "ms"
                                      << "1M" << qint64(-1);
        QTest::newRow("ms wrong order") << "ms"
                                        << "30s1m" << qint64(-1);
        QTest::newRow("ms unit twice") << "ms"
                                       << "1s1s" << qint64(-1);
        QTest::newRow("ms empty") << "ms"
                                  << "" << qint64(-1);
        QTest::newRow("ms unit only") << "ms"
                                      << "s" << qint64(-1);
        QTest::newRow("ms zero") << "ms"
                                 << "0" << qint64(0);
        QTest::newRow("s plain") << "s"
                                 << "65" << qint64(65);
        QTest::newRow("s years") << "s"
                                 << "1y" << qint64(31536000);
        QTest::newRow("s months") << "s"
                                  << "1M" << qint64(2592000);
        QTest::newRow("s no ms") << "s"
                                 << "500ms" << qint64(-1);
    }

    void values()
    {
        QFETCH(QString, kind);
        QFETCH(QString, text);
        QFETCH(qint64, expected);
        const std::string value = text.toStdString();
        std::optional<std::int64_t> parsed;
        if (kind == QLatin1String("number")) {
            parsed = parseNumber(value);
        } else if (kind == QLatin1String("size")) {
            parsed = parseSize(value);
        } else if (kind == QLatin1String("offset")) {
            parsed = parseOffset(value);
        } else if (kind == QLatin1String("ms")) {
            parsed = parseTime(value);
        } else {
            parsed = parseTime(value, true);
        }
        QCOMPARE(parsed ? qint64(*parsed) : qint64(-1), expected);
    }
};

QTEST_GUILESS_MAIN(TestValues)
#include "tst_values.moc"
