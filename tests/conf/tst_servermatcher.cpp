// Virtual server selection. The rows were recorded from nginx 1.22.1: the conf below was
// served by real nginx and requested with curl on each port with the Host shown ("no
// Host" is an HTTP/1.0 request without one). Wildcard-address cases cannot be recorded
// live (tests bind 127.0.0.1 only); they follow ngx_http_init_connection, which gives a
// connection to the servers of its exact address when there are any.

#include "engine/conf/builder.h"
#include "engine/conf/servermatcher.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace restyscope::engine;

namespace {

const char* const serversConf = R"(events {}
error_log logs/error.log info;
pid logs/nginx.pid;
http {
    access_log off;
    server { listen 127.0.0.1:18781; return 200 "first, no name"; }
    server { listen 127.0.0.1:18781 default_server; server_name default.test; return 200 "default_server"; }
    server { listen 127.0.0.1:18781; server_name exact.test EXACT2.test; return 200 "exact"; }
    server { listen 127.0.0.1:18781; server_name *.wild.test; return 200 "*.wild.test"; }
    server { listen 127.0.0.1:18781; server_name .dot.test; return 200 ".dot.test"; }
    server { listen 127.0.0.1:18781; server_name *.deep.wild.test; return 200 "*.deep.wild.test"; }
    server { listen 127.0.0.1:18781; server_name www.tail.*; return 200 "www.tail.*"; }
    server { listen 127.0.0.1:18781; server_name www.*; return 200 "www.*"; }
    server { listen 127.0.0.1:18781; server_name ~^re(\d+)\.test$; return 200 "regex"; }
    server { listen 127.0.0.1:18781; server_name ~^RE-CASE\.test$; return 200 "regex with uppercase"; }
    server { listen 127.0.0.1:18781; server_name ~^re; return 200 "later regex"; }
    server { listen 127.0.0.1:18781; server_name exact.test; return 200 "conflicting exact"; }
    server { listen 127.0.0.1:18782; server_name other.test; return 200 "only server"; }
    server { listen 127.0.0.1:18783; server_name a.test; return 200 "first of two"; }
    server { listen 127.0.0.1:18783; server_name b.test; return 200 "second of two"; }
    server { listen 127.0.0.1:18784; server_name .both.test; return 200 "dot first"; }
    server { listen 127.0.0.1:18784; server_name both.test; return 200 "exact after dot"; }
    server { listen 127.0.0.1:18785; server_name named.test; return 200 "named first"; }
    server { listen 127.0.0.1:18785; return 200 "unnamed second"; }
}
)";

std::unique_ptr<conf::Config> load(const QTemporaryDir& prefix, const char* text,
                                   std::vector<conf::ConfMessage>* messages = nullptr)
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
    if (messages) {
        *messages = result.messages;
    }
    return std::move(result.config);
}

QByteArray answer(const conf::ServerConfig* server)
{
    if (!server || !server->returnAction || !server->returnAction->text) {
        return "<no server>";
    }
    return QByteArray::fromStdString(server->returnAction->text->evaluate({}));
}

} // namespace

class TestServerMatcher : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_prefix.isValid());
        std::vector<conf::ConfMessage> messages;
        m_config = load(m_prefix, serversConf, &messages);
        QVERIFY(m_config);
        // nginx logged these two while loading the same conf.
        QStringList warnings;
        for (const conf::ConfMessage& message : messages) {
            if (message.level == conf::LogLevel::Warn) {
                warnings << QString::fromStdString(message.text);
            }
        }
        QCOMPARE(warnings, QStringList({QStringLiteral("conflicting server name \"exact.test\" on "
                                                       "127.0.0.1:18781, ignored"),
                                        QStringLiteral("conflicting server name \"both.test\" on "
                                                       "127.0.0.1:18784, ignored")}));
    }

    void byHost_data()
    {
        QTest::addColumn<int>("port");
        QTest::addColumn<QByteArray>("host");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("18781 exact.test")
            << 18781 << QByteArray("exact.test") << QByteArray("exact");
        QTest::newRow("18781 EXACT.TEST")
            << 18781 << QByteArray("EXACT.TEST") << QByteArray("exact");
        QTest::newRow("18781 exact2.test")
            << 18781 << QByteArray("exact2.test") << QByteArray("exact");
        QTest::newRow("18781 default.test")
            << 18781 << QByteArray("default.test") << QByteArray("default_server");
        QTest::newRow("18781 unknown.test")
            << 18781 << QByteArray("unknown.test") << QByteArray("default_server");
        QTest::newRow("18781 a.wild.test")
            << 18781 << QByteArray("a.wild.test") << QByteArray("*.wild.test");
        QTest::newRow("18781 x.y.wild.test")
            << 18781 << QByteArray("x.y.wild.test") << QByteArray("*.wild.test");
        QTest::newRow("18781 wild.test")
            << 18781 << QByteArray("wild.test") << QByteArray("default_server");
        QTest::newRow("18781 a.deep.wild.test")
            << 18781 << QByteArray("a.deep.wild.test") << QByteArray("*.deep.wild.test");
        QTest::newRow("18781 deep.wild.test")
            << 18781 << QByteArray("deep.wild.test") << QByteArray("*.wild.test");
        QTest::newRow("18781 dot.test")
            << 18781 << QByteArray("dot.test") << QByteArray(".dot.test");
        QTest::newRow("18781 a.dot.test")
            << 18781 << QByteArray("a.dot.test") << QByteArray(".dot.test");
        QTest::newRow("18781 adot.test")
            << 18781 << QByteArray("adot.test") << QByteArray("default_server");
        QTest::newRow("18781 www.tail.com")
            << 18781 << QByteArray("www.tail.com") << QByteArray("www.tail.*");
        QTest::newRow("18781 www.tail.co.uk")
            << 18781 << QByteArray("www.tail.co.uk") << QByteArray("www.tail.*");
        QTest::newRow("18781 www.tail") << 18781 << QByteArray("www.tail") << QByteArray("www.*");
        QTest::newRow("18781 www.x.org") << 18781 << QByteArray("www.x.org") << QByteArray("www.*");
        QTest::newRow("18781 re12.test") << 18781 << QByteArray("re12.test") << QByteArray("regex");
        QTest::newRow("18781 RE12.test") << 18781 << QByteArray("RE12.test") << QByteArray("regex");
        QTest::newRow("18781 re-case.test")
            << 18781 << QByteArray("re-case.test") << QByteArray("regex with uppercase");
        QTest::newRow("18781 rex.test")
            << 18781 << QByteArray("rex.test") << QByteArray("later regex");
        QTest::newRow("18781 (no Host)") << 18781 << QByteArray("") << QByteArray("first, no name");
        QTest::newRow("18782 other.test")
            << 18782 << QByteArray("other.test") << QByteArray("only server");
        QTest::newRow("18782 nothing.test")
            << 18782 << QByteArray("nothing.test") << QByteArray("only server");
        QTest::newRow("18782 (no Host)") << 18782 << QByteArray("") << QByteArray("only server");
        QTest::newRow("18783 a.test")
            << 18783 << QByteArray("a.test") << QByteArray("first of two");
        QTest::newRow("18783 b.test")
            << 18783 << QByteArray("b.test") << QByteArray("second of two");
        QTest::newRow("18783 c.test")
            << 18783 << QByteArray("c.test") << QByteArray("first of two");
        QTest::newRow("18783 (no Host)") << 18783 << QByteArray("") << QByteArray("first of two");
        QTest::newRow("18784 both.test")
            << 18784 << QByteArray("both.test") << QByteArray("dot first");
        QTest::newRow("18784 x.both.test")
            << 18784 << QByteArray("x.both.test") << QByteArray("dot first");
        QTest::newRow("18785 named.test")
            << 18785 << QByteArray("named.test") << QByteArray("named first");
        QTest::newRow("18785 x.test") << 18785 << QByteArray("x.test") << QByteArray("named first");
        QTest::newRow("18785 (no Host)") << 18785 << QByteArray("") << QByteArray("unnamed second");
    }

    void byHost()
    {
        QFETCH(int, port);
        QFETCH(QByteArray, host);
        QFETCH(QByteArray, expected);
        const conf::ServerConfig* server =
            conf::findServer(*m_config->http, "127.0.0.1", static_cast<std::uint16_t>(port),
                             std::string_view(host.constData(), std::size_t(host.size())));
        QCOMPARE(answer(server), expected);
    }

    void unknownEndpoint()
    {
        QCOMPARE(conf::findServer(*m_config->http, "127.0.0.1", 18786, "x"), nullptr);
        QCOMPARE(conf::findServer(*m_config->http, "127.0.0.2", 18781, "exact.test"), nullptr);
    }

    void wildcardAddress()
    {
        QTemporaryDir prefix;
        const auto config = load(
            prefix, "events {}\nhttp {\n"
                    "  server { listen 8080; return 200 wildcard; }\n"
                    "  server { listen *:8080; server_name w.test; return 200 named-wildcard; }\n"
                    "  server { listen 127.0.0.1:8080; return 200 specific; }\n"
                    "  server { listen [::]:8080; return 200 v6-wildcard; }\n"
                    "  server { listen [::1]:8080; return 200 v6-specific; }\n"
                    "}\n");
        QVERIFY(config);
        const conf::HttpConfig& http = *config->http;
        QCOMPARE(answer(conf::findServer(http, "127.0.0.1", 8080, "w.test")),
                 QByteArray("specific"));
        QCOMPARE(answer(conf::findServer(http, "127.0.0.2", 8080, "")), QByteArray("wildcard"));
        QCOMPARE(answer(conf::findServer(http, "10.1.2.3", 8080, "w.test")),
                 QByteArray("named-wildcard"));
        QCOMPARE(answer(conf::findServer(http, "::1", 8080, "w.test")), QByteArray("v6-specific"));
        QCOMPARE(answer(conf::findServer(http, "fe80::1", 8080, "")), QByteArray("v6-wildcard"));

        const std::vector<conf::ListenAddress> listens = conf::listenAddresses(http);
        QCOMPARE(listens.size(), std::size_t(4));
        QCOMPARE(listens[0].address, std::string("0.0.0.0"));
        QCOMPARE(listens[1].address, std::string("127.0.0.1"));
        QCOMPARE(listens[2].address, std::string("::"));
        QCOMPARE(listens[3].address, std::string("::1"));
        for (const conf::ListenAddress& listen : listens) {
            QCOMPARE(listen.port, std::uint16_t(8080));
        }
    }

    void implicitListen()
    {
        QTemporaryDir prefix;
        const auto config =
            load(prefix, "events {}\nhttp { server { server_name a; return 200 implicit; } }\n");
        QVERIFY(config);
        const conf::ServerConfig& server = *config->http->servers.front();
        QCOMPARE(server.listen.size(), std::size_t(1));
        QVERIFY(server.listen[0].implicit);
        QCOMPARE(server.listen[0].address, std::string("0.0.0.0"));
        // nginx: *:80 when run as root, *:8000 otherwise.
        QCOMPARE(server.listen[0].port, std::uint16_t(::getuid() == 0 ? 80 : 8000));
        QCOMPARE(answer(conf::findServer(*config->http, "127.0.0.1", server.listen[0].port, "")),
                 QByteArray("implicit"));
    }

private:
    QTemporaryDir m_prefix;
    std::unique_ptr<conf::Config> m_config;
};

QTEST_GUILESS_MAIN(TestServerMatcher)
#include "tst_servermatcher.moc"
