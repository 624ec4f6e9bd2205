// nginx's calendar helpers (ngx.http_time, ngx.cookie_time, ngx.parse_http_time), against
// values recorded from nginx 1.22.1.

#include "engine/api/httptime.h"

#include <QtTest>

using namespace restyscope::engine::api;

class TestHttpTime : public QObject
{
    Q_OBJECT

private slots:
    void http_data()
    {
        QTest::addColumn<qint64>("seconds");
        QTest::addColumn<QByteArray>("http");
        QTest::newRow("epoch") << qint64(0) << QByteArray("Thu, 01 Jan 1970 00:00:00 GMT");
        QTest::newRow("2010") << qint64(1290079655) << QByteArray("Thu, 18 Nov 2010 11:27:35 GMT");
        QTest::newRow("negative is 1970")
            << qint64(-1) << QByteArray("Thu, 01 Jan 1970 00:00:00 GMT");
        QTest::newRow("after 9999 clamps")
            << qint64(253402300800) << QByteArray("Fri, 31 Dec 9999 23:59:59 GMT");
        QTest::newRow("leap day 2000")
            << qint64(951782400) << QByteArray("Tue, 29 Feb 2000 00:00:00 GMT");
    }
    void http()
    {
        QFETCH(qint64, seconds);
        QFETCH(QByteArray, http);
        QCOMPARE(QByteArray::fromStdString(httpTime(seconds)), http);
    }

    void cookie_data()
    {
        QTest::addColumn<qint64>("seconds");
        QTest::addColumn<QByteArray>("cookie");
        QTest::newRow("epoch") << qint64(0) << QByteArray("Thu, 01-Jan-70 00:00:00 GMT");
        QTest::newRow("2010") << qint64(1290079655) << QByteArray("Thu, 18-Nov-10 11:27:35 GMT");
        QTest::newRow("negative is 1970")
            << qint64(-86400) << QByteArray("Thu, 01-Jan-70 00:00:00 GMT");
        QTest::newRow("2038: four digits")
            << qint64(2145916800) << QByteArray("Fri, 01-Jan-2038 00:00:00 GMT");
        QTest::newRow("2039") << qint64(2177452800) << QByteArray("Sat, 01-Jan-2039 00:00:00 GMT");
        QTest::newRow("9999") << qint64(253402300799)
                              << QByteArray("Fri, 31-Dec-9999 23:59:59 GMT");
    }
    void cookie()
    {
        QFETCH(qint64, seconds);
        QFETCH(QByteArray, cookie);
        QCOMPARE(QByteArray::fromStdString(cookieTime(seconds)), cookie);
    }

    void parse_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<qint64>("seconds");
        QTest::newRow("rfc1123") << QByteArray("Thu, 18 Nov 2010 11:27:35 GMT") << true
                                 << qint64(1290079655);
        QTest::newRow("rfc850") << QByteArray("Thursday, 18-Nov-10 11:27:35 GMT") << true
                                << qint64(1290079655);
        QTest::newRow("asctime") << QByteArray("Thu Nov 18 11:27:35 2010") << true
                                 << qint64(1290079655);
        QTest::newRow("asctime padded day")
            << QByteArray("Thu Nov  8 11:27:35 2010") << true << qint64(1289215655);
        QTest::newRow("no GMT") << QByteArray("Thu, 18 Nov 2010 11:27:35") << true
                                << qint64(1290079655);
        QTest::newRow("31 Feb") << QByteArray("Thu, 31 Feb 2010 11:27:35 GMT") << false
                                << qint64(0);
        QTest::newRow("29 Feb 2000")
            << QByteArray("Tue, 29 Feb 2000 00:00:00 GMT") << true << qint64(951782400);
        QTest::newRow("29 Feb 1900")
            << QByteArray("Mon, 29 Feb 1900 00:00:00 GMT") << false << qint64(0);
        QTest::newRow("epoch") << QByteArray("Thu, 01 Jan 1970 00:00:00 GMT") << true << qint64(0);
        QTest::newRow("before 1970")
            << QByteArray("Wed, 31 Dec 1969 23:59:58 GMT") << true << qint64(-2);
        QTest::newRow("hour 24") << QByteArray("Thu, 18 Nov 2010 24:00:00 GMT") << false
                                 << qint64(0);
        QTest::newRow("June") << QByteArray("Sat, 18 Jun 2011 01:02:03 GMT") << true
                              << qint64(1308358923);
        QTest::newRow("July") << QByteArray("Fri, 18 Jul 2025 01:02:03 GMT") << true
                              << qint64(1752800523);
        QTest::newRow("no weekday") << QByteArray("18 Nov 2010 11:27:35 GMT") << false << qint64(0);
        QTest::newRow("garbage") << QByteArray("garbage") << false << qint64(0);
        QTest::newRow("empty") << QByteArray("") << false << qint64(0);
    }
    void parse()
    {
        QFETCH(QByteArray, text);
        QFETCH(bool, valid);
        QFETCH(qint64, seconds);
        const auto parsed = parseHttpTime(text.toStdString());
        QCOMPARE(parsed.has_value(), valid);
        if (valid) {
            QCOMPARE(*parsed, std::int64_t(seconds));
        }
    }

    void dates()
    {
        const CivilTime t = gmTime(1290079655);
        QCOMPARE(QString::fromStdString(formatDate(t)), QStringLiteral("2010-11-18"));
        QCOMPARE(QString::fromStdString(formatDateTime(t)), QStringLiteral("2010-11-18 11:27:35"));
        QCOMPARE(gmTime(1290079655).weekday, 4);
    }
};

QTEST_GUILESS_MAIN(TestHttpTime)
#include "tst_httptime.moc"
