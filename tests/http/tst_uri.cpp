#include "engine/http/uri.h"

#include <QtTest>

using namespace restyscope::engine::http;

class TestUri : public QObject
{
    Q_OBJECT

private slots:
    void normalize_data()
    {
        QTest::addColumn<QString>("raw");
        QTest::addColumn<QString>("expected"); // "!" for invalid
        QTest::newRow("root") << "/"
                              << "/";
        QTest::newRow("plain") << "/a/b"
                               << "/a/b";
        QTest::newRow("merge slashes") << "//a///b"
                                       << "/a/b";
        QTest::newRow("dot") << "/a/./b"
                             << "/a/b";
        QTest::newRow("trailing dot") << "/a/."
                                      << "/a/";
        QTest::newRow("dot-dot") << "/a/b/../c"
                                 << "/a/c";
        QTest::newRow("trailing dot-dot") << "/a/b/.."
                                          << "/a/";
        QTest::newRow("dot-dot to root") << "/a/.."
                                         << "/";
        QTest::newRow("above root") << "/.."
                                    << "!";
        QTest::newRow("decoded") << "/a%20b"
                                 << "/a b";
        QTest::newRow("encoded slash separates") << "/a%2F..%2Fb"
                                                 << "/b";
        QTest::newRow("bad escape") << "/a%zz"
                                    << "!";
        QTest::newRow("nul") << "/a%00"
                             << "!";
        QTest::newRow("trailing slash") << "/a/"
                                        << "/a/";
    }

    void normalize()
    {
        QFETCH(QString, raw);
        QFETCH(QString, expected);
        std::string out;
        const bool ok = normalizeUriPath(raw.toStdString(), out);
        if (expected == QLatin1String("!")) {
            QVERIFY(!ok);
        } else {
            QVERIFY(ok);
            QCOMPARE(QString::fromStdString(out), expected);
        }
    }

    void split()
    {
        RequestTarget target;
        QVERIFY(splitRequestTarget("http://h.example:81/p?q=1", target));
        QCOMPARE(target.host, std::string("h.example:81"));
        QCOMPARE(target.path, std::string("/p"));
        QCOMPARE(target.args, std::string("q=1"));
        QVERIFY(splitRequestTarget("/x?a=1?b", target));
        QCOMPARE(target.args, std::string("a=1?b"));
        QVERIFY(!splitRequestTarget("x", target));
        // a '#' ends the path or the args; before the '?' it leaves no args
        QVERIFY(splitRequestTarget("/f#frag?x", target));
        QCOMPARE(target.path, std::string("/f"));
        QCOMPARE(target.args, std::string());
        QVERIFY(splitRequestTarget("/f?a#b", target));
        QCOMPARE(target.args, std::string("a"));
        // absolute-form hosts take nginx's characters only
        QVERIFY(splitRequestTarget("http://[::1]:8080/v6", target));
        QCOMPARE(target.host, std::string("[::1]:8080"));
        QVERIFY(!splitRequestTarget("http://user@h/", target));
        QVERIFY(!splitRequestTarget("http://a_b/", target));
        QVERIFY(splitRequestTarget("h2p://h/", target));
        QVERIFY(!splitRequestTarget("2http://h/", target));
        QVERIFY(!splitRequestTarget("http:///p", target));
        QVERIFY(!splitRequestTarget("http://[::1/", target));
    }

    void args()
    {
        std::string_view value;
        QVERIFY(findArg("a=1&B=2&c", "b", value));
        QCOMPARE(std::string(value), std::string("2"));
        QVERIFY(findArg("a=1&B=2&c", "c", value));
        QVERIFY(value.empty());
        QVERIFY(!findArg("a=1", "z", value));
        QCOMPARE(unescapeUri("a+b%41", true), std::string("a bA"));
        QCOMPARE(unescapeUri("a+b%4", false), std::string("a+b%4"));
    }
};

QTEST_GUILESS_MAIN(TestUri)
#include "tst_uri.moc"
