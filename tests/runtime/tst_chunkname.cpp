// Chunk names against the names real nginx 1.22.1 / lua-nginx-module 0.10.23 put in its
// error messages ("content_by_lua(...234567890123456789012345678901234.conf:2):2: ..."),
// recorded with `nginx -p /tmp/rtref/ -c conf/nginx.conf` (conf_prefix /tmp/rtref/conf/).

#include "engine/runtime/chunkname.h"

#include <QtTest>

using namespace restyscope::engine::runtime;

class TestChunkName : public QObject
{
    Q_OBJECT

private slots:
    void inlineName_data()
    {
        QTest::addColumn<QString>("tag");
        QTest::addColumn<QString>("confFile");
        QTest::addColumn<QString>("confPrefix");
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("name");
        const QString prefix = QStringLiteral("/tmp/rtref/conf/");

        QTest::newRow("main nginx.conf")
            << "content_by_lua"
            << "/tmp/rtref/conf/nginx.conf" << prefix << 8 << "=content_by_lua(nginx.conf:8)";
        QTest::newRow("init_by_lua in nginx.conf")
            << "init_by_lua"
            << "/tmp/rtref/conf/nginx.conf" << prefix << 6 << "=init_by_lua(nginx.conf:6)";
        QTest::newRow("any file named nginx.conf")
            << "content_by_lua"
            << "/tmp/rtref/conf/sub2/nginx.conf" << prefix << 1 << "=content_by_lua(nginx.conf:1)";
        QTest::newRow("include in the conf dir")
            << "content_by_lua"
            << "/tmp/rtref/conf/short.conf" << prefix << 2 << "=content_by_lua(short.conf:2)";
        QTest::newRow("main conf not named nginx.conf")
            << "content_by_lua"
            << "/tmp/rtref/conf/main.conf" << prefix << 8 << "=content_by_lua(main.conf:8)";
        QTest::newRow("long relative name")
            << "content_by_lua"
            << "/tmp/rtref/conf/sub/12345678901234567890123456789012345678901234.conf" << prefix
            << 2 << "=content_by_lua(...234567890123456789012345678901234.conf:2)";
        // include ../html/1234567890123456789012345678901234.conf;  (t/002-content.t TEST 47)
        QTest::newRow("relative with ..")
            << "content_by_lua"
            << "/tmp/rtref/conf/../html/1234567890123456789012345678901234.conf" << prefix << 2
            << "=content_by_lua(...234567890123456789012345678901234.conf:2)";
        QTest::newRow("outside, short")
            << "content_by_lua"
            << "/tmp/lua.conf" << prefix << 2 << "=content_by_lua(/tmp/lua.conf:2)";
        QTest::newRow("outside, long (t/002 TEST 49)")
            << "content_by_lua"
            << "/tmp/12345678901234567890123456789012345.conf" << prefix << 2
            << "=content_by_lua(...345678901234567890123456789012345.conf:2)";
        QTest::newRow("outside, two-digit line (t/002 TEST 50)")
            << "rewrite_by_lua"
            << "/tmp/12345678901234567890123456789012345.conf" << prefix << 14
            << "=rewrite_by_lua(...45678901234567890123456789012345.conf:14)";
        // tag 14 + line 1: a 41-character file name still fits, 42 does not.
        QTest::newRow("outside, exactly at the limit")
            << "content_by_lua"
            << "/tmp/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.conf" << prefix << 1
            << "=content_by_lua(/tmp/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.conf:1)";
        QTest::newRow("outside, one over the limit")
            << "content_by_lua"
            << "/tmp/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.conf" << prefix << 1
            << "=content_by_lua(.../bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.conf:1)";
        QTest::newRow("access tag, long relative name")
            << "access_by_lua"
            << "/tmp/rtref/conf/sub/access_with_a_rather_long_name_for_testing.conf" << prefix << 2
            << "=access_by_lua(...ith_a_rather_long_name_for_testing.conf:2)";
    }
    void inlineName()
    {
        QFETCH(QString, tag);
        QFETCH(QString, confFile);
        QFETCH(QString, confPrefix);
        QFETCH(int, line);
        QFETCH(QString, name);
        QCOMPARE(QString::fromStdString(inlineChunkName(tag.toStdString(), confFile.toStdString(),
                                                        confPrefix.toStdString(), line)),
                 name);
    }

    void fileName()
    {
        QCOMPARE(fileChunkName("/tmp/rtref/lua/a.lua"), std::string("@/tmp/rtref/lua/a.lua"));
    }

    void confPrefix_data()
    {
        QTest::addColumn<QString>("confFile");
        QTest::addColumn<QString>("prefix");
        QTest::newRow("usual") << "/tmp/rtref/conf/nginx.conf"
                               << "/tmp/rtref/conf/";
        QTest::newRow("root") << "/nginx.conf"
                              << "/";
    }
    void confPrefix()
    {
        QFETCH(QString, confFile);
        QFETCH(QString, prefix);
        QCOMPARE(QString::fromStdString(confPrefixOf(confFile.toStdString())), prefix);
    }
};

QTEST_GUILESS_MAIN(TestChunkName)
#include "tst_chunkname.moc"
