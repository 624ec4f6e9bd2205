// Location matching, table-driven. Every expected body was recorded from nginx 1.22.1:
// the conf below was served by real nginx and each URI requested with curl (the row name
// is the URI as sent, percent-encoded; nginx matches the decoded form given here). The
// test finds the location with findLocation() and evaluates its `return` text with the
// captures, as nginx does.

#include "engine/conf/builder.h"
#include "engine/conf/locationmatcher.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace restyscope::engine;

namespace {

const char* const matchingConf = R"(events {}
error_log logs/error.log info;
pid logs/nginx.pid;
http {
    access_log off;
    server {
        listen 127.0.0.1:18779;
        location = / { return 200 "exact /"; }
        location / { return 200 "prefix /"; }
        location /a { return 200 "prefix /a"; }
        location /a/b { return 200 "prefix /a/b"; }
        location = /a/b { return 200 "exact /a/b"; }
        location /A { return 200 "prefix /A"; }
        location /p { return 200 "prefix /p"; }
        location /p/q { return 200 "prefix /p/q"; }
        location /p/q/r { return 200 "prefix /p/q/r"; }
        location /pz { return 200 "prefix /pz"; }
        location ^~ /static/ { return 200 "noregex /static/"; }
        location "/sp ace" { return 200 "prefix /sp ace"; }
        location ~ \.php$ { return 200 "regex php [$1]"; }
        location ~* \.(JPG|png)$ { return 200 "caseless img [$1]"; }
        location ~ ^/a/b/(\d+)$ { return 200 "regex digits [$1]"; }
        location ~ ^/a/b/(\d+)(x)?(y)?$ { return 200 "regex digits-x [$1][$2][$3]"; }
        location ~ /order/1 { return 200 "order first"; }
        location ~ /order/\d { return 200 "order second"; }
        location /nest {
            location /nest/inner { return 200 "nested prefix /nest/inner"; }
            location ^~ /nest/stop { return 200 "nested noregex /nest/stop"; }
            location ~ ^/nest/.*\.php$ { return 200 "nested regex php"; }
            return 200 "prefix /nest";
        }
        location ^~ /nr {
            location ~ \.php$ { return 200 "regex inside noregex"; }
            return 200 "noregex /nr";
        }
        location ~ ^/cap/(?<first>[a-z]+)/(?<second>[0-9]+)?/?(.*)$ {
            return 200 "named [$first][$second][$1][$2][$3]";
        }
        location ~ ^/re/(a) {
            location ~ b$ { return 200 "inner no captures [$1]"; }
            location ~ (c)$ { return 200 "inner captures [$1]"; }
            location ~ ^/re/a/(?<first>z+)$ { return 200 "inner named [$first][$1]"; }
            return 200 "outer regex [$1]";
        }
        location ~ /regexparent {
            location /regexparent/x { return 200 "never: prefix inside regex"; }
            return 200 "regex /regexparent";
        }
        location @named { return 200 "named location"; }
    }
}
)";

std::unique_ptr<conf::Config> load(const QTemporaryDir& prefix, const char* text)
{
    QDir().mkpath(prefix.filePath(QStringLiteral("conf")));
    QFile file(prefix.filePath(QStringLiteral("conf/nginx.conf")));
    if (!file.open(QIODevice::WriteOnly)) {
        return nullptr;
    }
    file.write(text);
    file.close();
    conf::LoadResult result = conf::loadConfig(prefix.path().toStdString(), "conf/nginx.conf");
    if (!result.config) {
        qWarning("%s", result.error.c_str());
    }
    return std::move(result.config);
}

// What nginx's `return 200 "..."` sends for the matched location.
QByteArray respond(const conf::LocationMatchResult& match, std::string_view uri)
{
    if (!match.location || !match.location->returnAction || !match.location->returnAction->text) {
        return "<no location>";
    }
    const auto lookup = [&](std::string_view name) -> std::optional<std::string> {
        if (name.size() == 1 && name[0] >= '1' && name[0] <= '9') {
            const std::size_t n = static_cast<std::size_t>(name[0] - '0');
            return n < match.captures.size() ? match.captures[n] : std::string();
        }
        for (const auto& [key, value] : match.named) {
            if (key == name) {
                return value;
            }
        }
        if (name == "uri") {
            return std::string(uri);
        }
        return std::nullopt;
    };
    return QByteArray::fromStdString(match.location->returnAction->text->evaluate(lookup));
}

} // namespace

class TestLocationMatcher : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_prefix.isValid());
        m_config = load(m_prefix, matchingConf);
        QVERIFY(m_config);
        QCOMPARE(m_config->http->servers.size(), std::size_t(1));
    }

    void matches_data()
    {
        QTest::addColumn<QByteArray>("uri");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("/") << QByteArray("/") << QByteArray("exact /");
        QTest::newRow("/x") << QByteArray("/x") << QByteArray("prefix /");
        QTest::newRow("/a") << QByteArray("/a") << QByteArray("prefix /a");
        QTest::newRow("/ab") << QByteArray("/ab") << QByteArray("prefix /a");
        QTest::newRow("/a/b") << QByteArray("/a/b") << QByteArray("exact /a/b");
        QTest::newRow("/a/bc") << QByteArray("/a/bc") << QByteArray("prefix /a/b");
        QTest::newRow("/a/b/") << QByteArray("/a/b/") << QByteArray("prefix /a/b");
        QTest::newRow("/A") << QByteArray("/A") << QByteArray("prefix /A");
        QTest::newRow("/Ab") << QByteArray("/Ab") << QByteArray("prefix /A");
        QTest::newRow("/p") << QByteArray("/p") << QByteArray("prefix /p");
        QTest::newRow("/p/") << QByteArray("/p/") << QByteArray("prefix /p");
        QTest::newRow("/p/q") << QByteArray("/p/q") << QByteArray("prefix /p/q");
        QTest::newRow("/p/qz") << QByteArray("/p/qz") << QByteArray("prefix /p/q");
        QTest::newRow("/p/q/r") << QByteArray("/p/q/r") << QByteArray("prefix /p/q/r");
        QTest::newRow("/p/q/rs") << QByteArray("/p/q/rs") << QByteArray("prefix /p/q/r");
        QTest::newRow("/pz") << QByteArray("/pz") << QByteArray("prefix /pz");
        QTest::newRow("/pzz") << QByteArray("/pzz") << QByteArray("prefix /pz");
        QTest::newRow("/static/") << QByteArray("/static/") << QByteArray("noregex /static/");
        QTest::newRow("/static/x.php")
            << QByteArray("/static/x.php") << QByteArray("noregex /static/");
        QTest::newRow("/static") << QByteArray("/static") << QByteArray("prefix /");
        QTest::newRow("/staticx.php") << QByteArray("/staticx.php") << QByteArray("regex php []");
        QTest::newRow("/sp%20ace") << QByteArray("/sp ace") << QByteArray("prefix /sp ace");
        QTest::newRow("/sp%20ace/x") << QByteArray("/sp ace/x") << QByteArray("prefix /sp ace");
        QTest::newRow("/x.php") << QByteArray("/x.php") << QByteArray("regex php []");
        QTest::newRow("/a/x.php") << QByteArray("/a/x.php") << QByteArray("regex php []");
        QTest::newRow("/a/b.php") << QByteArray("/a/b.php") << QByteArray("regex php []");
        QTest::newRow("/img.png") << QByteArray("/img.png") << QByteArray("caseless img [png]");
        QTest::newRow("/IMG.JPG") << QByteArray("/IMG.JPG") << QByteArray("caseless img [JPG]");
        QTest::newRow("/img.Png") << QByteArray("/img.Png") << QByteArray("caseless img [Png]");
        QTest::newRow("/img.jpg") << QByteArray("/img.jpg") << QByteArray("caseless img [jpg]");
        QTest::newRow("/a/b/12") << QByteArray("/a/b/12") << QByteArray("regex digits [12]");
        QTest::newRow("/a/b/12x") << QByteArray("/a/b/12x")
                                  << QByteArray("regex digits-x [12][x][]");
        QTest::newRow("/a/b/12y") << QByteArray("/a/b/12y")
                                  << QByteArray("regex digits-x [12][][y]");
        QTest::newRow("/a/b/12xy")
            << QByteArray("/a/b/12xy") << QByteArray("regex digits-x [12][x][y]");
        QTest::newRow("/a/b/x1") << QByteArray("/a/b/x1") << QByteArray("prefix /a/b");
        QTest::newRow("/order/1") << QByteArray("/order/1") << QByteArray("order first");
        QTest::newRow("/order/2") << QByteArray("/order/2") << QByteArray("order second");
        QTest::newRow("/nest") << QByteArray("/nest") << QByteArray("prefix /nest");
        QTest::newRow("/nest/x") << QByteArray("/nest/x") << QByteArray("prefix /nest");
        QTest::newRow("/nest/inner")
            << QByteArray("/nest/inner") << QByteArray("nested prefix /nest/inner");
        QTest::newRow("/nest/inner.php")
            << QByteArray("/nest/inner.php") << QByteArray("nested regex php");
        QTest::newRow("/nest/stop.php")
            << QByteArray("/nest/stop.php") << QByteArray("regex php []");
        QTest::newRow("/nest/x.php") << QByteArray("/nest/x.php") << QByteArray("nested regex php");
        QTest::newRow("/nr") << QByteArray("/nr") << QByteArray("noregex /nr");
        QTest::newRow("/nr/x.php") << QByteArray("/nr/x.php") << QByteArray("regex inside noregex");
        QTest::newRow("/nrz.php") << QByteArray("/nrz.php") << QByteArray("regex inside noregex");
        QTest::newRow("/cap/abc/123/rest")
            << QByteArray("/cap/abc/123/rest") << QByteArray("named [abc][123][abc][123][rest]");
        QTest::newRow("/cap/abc//rest")
            << QByteArray("/cap/abc//rest") << QByteArray("named [abc][][abc][][rest]");
        QTest::newRow("/cap/abc/")
            << QByteArray("/cap/abc/") << QByteArray("named [abc][][abc][][]");
        QTest::newRow("/re/a") << QByteArray("/re/a") << QByteArray("outer regex [a]");
        QTest::newRow("/re/ab") << QByteArray("/re/ab") << QByteArray("inner no captures []");
        QTest::newRow("/re/ac") << QByteArray("/re/ac") << QByteArray("inner captures [c]");
        QTest::newRow("/re/a/zz") << QByteArray("/re/a/zz") << QByteArray("inner named [zz][zz]");
        QTest::newRow("/regexparent/x")
            << QByteArray("/regexparent/x") << QByteArray("regex /regexparent");
        QTest::newRow("/regexparent")
            << QByteArray("/regexparent") << QByteArray("regex /regexparent");
        QTest::newRow("/b.PHP") << QByteArray("/b.PHP") << QByteArray("prefix /");
        QTest::newRow("/@named") << QByteArray("/@named") << QByteArray("prefix /");
        QTest::newRow("/.php") << QByteArray("/.php") << QByteArray("regex php []");
    }

    void matches()
    {
        QFETCH(QByteArray, uri);
        QFETCH(QByteArray, expected);
        const conf::ServerConfig& server = *m_config->http->servers.front();
        const std::string_view path(uri.constData(), static_cast<std::size_t>(uri.size()));
        QCOMPARE(respond(conf::findLocation(server, path), path), expected);
    }

    void capturesAndNames()
    {
        const conf::ServerConfig& server = *m_config->http->servers.front();
        conf::LocationMatchResult match = conf::findLocation(server, "/cap/abc//rest");
        QVERIFY(match.location);
        QCOMPARE(match.location->match, conf::LocationMatch::Regex);
        // $0..$3: the second group did not take part.
        QCOMPARE(match.captures, (std::vector<std::string>{"/cap/abc//rest", "abc", "", "rest"}));
        QCOMPARE(match.named.size(), std::size_t(2));
        QCOMPARE(match.named[0], (std::pair<std::string, std::string>("first", "abc")));
        QCOMPARE(match.named[1], (std::pair<std::string, std::string>("second", "")));

        // A prefix match has no captures; the result object is reused.
        conf::findLocation(server, "/p/q/r/s", match);
        QVERIFY(match.location);
        QCOMPARE(match.location->pattern, std::string("/p/q/r"));
        QVERIFY(match.captures.empty());
        QVERIFY(match.named.empty());

        // Only the last regex's captures count: an inner regex without groups empties them.
        match = conf::findLocation(server, "/re/ab");
        QCOMPARE(match.captures, (std::vector<std::string>{"b"}));
    }

    void namedLocations()
    {
        const conf::ServerConfig& server = *m_config->http->servers.front();
        const conf::LocationConfig* named = conf::findNamedLocation(server, "@named");
        QVERIFY(named);
        QCOMPARE(named->match, conf::LocationMatch::Named);
        QVERIFY(!conf::findNamedLocation(server, "@other"));
        QVERIFY(!conf::findNamedLocation(server, "named"));
        // A named location is never found by URI.
        QCOMPARE(conf::findLocation(server, "@named").location, nullptr);
    }

    void noMatch()
    {
        QTemporaryDir prefix;
        const auto config = load(prefix, "events {}\n"
                                         "http { server { listen 127.0.0.1:18080;\n"
                                         "  location /a { return 200 a; }\n"
                                         "  location = /b { return 200 b; }\n"
                                         "  location ~ ^/c$ { return 200 c; }\n"
                                         "} }\n");
        QVERIFY(config);
        const conf::ServerConfig& server = *config->http->servers.front();
        QCOMPARE(conf::findLocation(server, "/").location, nullptr);
        QCOMPARE(conf::findLocation(server, "/b/").location, nullptr);
        QCOMPARE(conf::findLocation(server, "/cc").location, nullptr);
        QCOMPARE(conf::findLocation(server, "").location, nullptr);
        QVERIFY(conf::findLocation(server, "/abc").location);
    }

    void manyPrefixes()
    {
        // The longest prefix among many, found through the parent chain of sorted names;
        // checked against a plain scan.
        std::string text = "events {}\nhttp { server { listen 127.0.0.1:18080;\n";
        std::vector<std::string> names;
        for (int i = 0; i < 60; ++i) {
            std::string name = "/";
            for (int j = 0; j <= i % 7; ++j) {
                name += static_cast<char>('a' + (i * 7 + j * 3) % 5);
            }
            if (std::find(names.begin(), names.end(), name) == names.end()) {
                names.push_back(name);
                text += "  location " + name + " { return 200 \"" + name + "\"; }\n";
            }
        }
        text += "} }\n";
        QTemporaryDir prefix;
        const auto config = load(prefix, text.c_str());
        QVERIFY(config);
        const conf::ServerConfig& server = *config->http->servers.front();
        for (int i = 0; i < 2000; ++i) {
            std::string uri = "/";
            for (int j = 0; j < i % 9; ++j) {
                uri += static_cast<char>('a' + (i * 13 + j * 5) % 6);
            }
            std::string expected;
            for (const std::string& name : names) {
                if (uri.starts_with(name) && name.size() > expected.size()) {
                    expected = name;
                }
            }
            const conf::LocationConfig* location = conf::findLocation(server, uri).location;
            QCOMPARE(location ? location->pattern : std::string(), expected);
        }
    }

private:
    QTemporaryDir m_prefix;
    std::unique_ptr<conf::Config> m_config;
};

QTEST_GUILESS_MAIN(TestLocationMatcher)
#include "tst_locationmatcher.moc"
