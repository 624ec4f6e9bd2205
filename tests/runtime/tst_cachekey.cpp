// Cache keys against the keys real nginx printed in its debug log ("code cache lookup
// (key='...')"), recorded from nginx 1.22.1 / lua-nginx-module 0.10.23 with
// `error_log logs/error.log debug;` and prefix /tmp/rtref/.

#include "engine/runtime/cachekey.h"

#include <QtTest>

using namespace restyscope::engine::runtime;

namespace {

QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

} // namespace

class TestCacheKey : public QObject
{
    Q_OBJECT

private slots:
    void md5_data()
    {
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<QString>("hex");
        // RFC 1321 appendix A.5 test suite.
        QTest::newRow("empty") << QByteArray() << "d41d8cd98f00b204e9800998ecf8427e";
        QTest::newRow("a") << QByteArray("a") << "0cc175b9c0f1b6a831c399e269772661";
        QTest::newRow("abc") << QByteArray("abc") << "900150983cd24fb0d6963f7d28e17f72";
        QTest::newRow("alphabet") << QByteArray("abcdefghijklmnopqrstuvwxyz")
                                  << "c3fcd3d76192e4007dfb496cca67e13b";
        QTest::newRow("embedded nul")
            << QByteArray("a\0b", 3) << "70350f6027bce3713f6b76473084309b";
    }
    void md5()
    {
        QFETCH(QByteArray, data);
        QFETCH(QString, hex);
        QCOMPARE(qs(md5Hex(std::string_view(data.constData(), data.size()))), hex);
    }

    void inlineKey_data()
    {
        QTest::addColumn<QString>("tag");
        QTest::addColumn<QByteArray>("source");
        QTest::addColumn<QString>("key");
        // content_by_lua_block {\nerror("same code")\n            }
        QTest::newRow("block with indentation before }")
            << "content_by_lua" << QByteArray("\nerror(\"same code\")\n            ")
            << "content_by_lua_nhli_5ccce5e4833b79357a77567de5414cbd";
        QTest::newRow("multi-line block")
            << "content_by_lua"
            << QByteArray("\n    myglobal = 1\n    myglobal = 2\n    ngx.say(\"ok\")\n")
            << "content_by_lua_nhli_ef982b5f77f8e24621a84a0e7dcb02c8";
        // content_by_lua "x_str = 5 ngx.say(1)";
        QTest::newRow("string form") << "content_by_lua" << QByteArray("x_str = 5 ngx.say(1)")
                                     << "content_by_lua_nhli_cc683a8ae4fe79d7c323b610c23316cd";
        // content_by_lua "ngx.say(\n = 1)";  (spans two conf lines)
        QTest::newRow("string form over two lines")
            << "content_by_lua" << QByteArray("ngx.say(\n = 1)")
            << "content_by_lua_nhli_47028cd3cef525b87b91322990b07ee9";
        // rewrite_by_lua_block { ngx.ctx.x = 1 }
        QTest::newRow("rewrite block on one line")
            << "rewrite_by_lua" << QByteArray(" ngx.ctx.x = 1 ")
            << "rewrite_by_lua_nhli_66eaae61bbeefdfe25ec228e24350e63";
        // access_by_lua "ngx.ctx.y = 'q'";
        QTest::newRow("access string form")
            << "access_by_lua" << QByteArray("ngx.ctx.y = 'q'")
            << "access_by_lua_nhli_c432d26d39997111021835aaa77efcb1";
        // content_by_lua_block {\n        'for end';\n    }  (in an included file)
        QTest::newRow("syntax error block")
            << "content_by_lua" << QByteArray("\n        'for end';\n    ")
            << "content_by_lua_nhli_b692c1fd0a0c1f4313e32c5dfee268d3";
    }
    void inlineKey()
    {
        QFETCH(QString, tag);
        QFETCH(QByteArray, source);
        QFETCH(QString, key);
        QCOMPARE(qs(inlineCacheKey(tag.toStdString(),
                                   std::string_view(source.constData(), source.size()))),
                 key);
    }

    void sameSourceDifferentTag()
    {
        // The tag is part of the key: the same code in rewrite and content is two entries.
        QVERIFY(inlineCacheKey("rewrite_by_lua", "x()") != inlineCacheKey("content_by_lua", "x()"));
        QCOMPARE(inlineCacheKey("content_by_lua", "x()"), inlineCacheKey("content_by_lua", "x()"));
    }

    void fileKey_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("key");
        // Constant paths are hashed as written, before the prefix is applied.
        QTest::newRow("content_by_lua_file lua/g.lua") << "lua/g.lua"
                                                       << "nhlf_bbd7c8bc7424ca6b232cf431c93404a3";
        QTest::newRow("content_by_lua_file lua/a.lua") << "lua/a.lua"
                                                       << "nhlf_d1a5599d24e68dd0a3c64bd8c7f7ee3c";
        QTest::newRow("content_by_lua_file lua/err.lua") << "lua/err.lua"
                                                         << "nhlf_852c90d4e270bd0957b3407158406a3f";
        // content_by_lua_file lua/$1.lua; requested as /var/a: the evaluated absolute path.
        QTest::newRow("variable path /var/a") << "/tmp/rtref/lua/a.lua"
                                              << "nhlf_46ba99e43bd6d52efa307d4b8d1bf879";
    }
    void fileKey()
    {
        QFETCH(QString, path);
        QFETCH(QString, key);
        QCOMPARE(qs(fileCacheKey(path.toStdString())), key);
    }

    void rebase_data()
    {
        QTest::addColumn<QString>("prefix");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("full");
        QTest::newRow("relative") << "/srv/demo/"
                                  << "lua/a.lua"
                                  << "/srv/demo/lua/a.lua";
        QTest::newRow("absolute") << "/srv/demo/"
                                  << "/etc/x.lua"
                                  << "/etc/x.lua";
        QTest::newRow("dot segments kept") << "/srv/demo/"
                                           << "../x.lua"
                                           << "/srv/demo/../x.lua";
    }
    void rebase()
    {
        QFETCH(QString, prefix);
        QFETCH(QString, path);
        QFETCH(QString, full);
        QCOMPARE(qs(rebasePath(prefix.toStdString(), path.toStdString())), full);
    }
};

QTEST_GUILESS_MAIN(TestCacheKey)
#include "tst_cachekey.moc"
