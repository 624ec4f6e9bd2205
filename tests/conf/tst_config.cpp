// What loadConfig() stores: values, their inheritance http -> server -> location ->
// nested location with nginx's defaults, Lua handlers, returns, listens, names and paths.
// The inheritance rules are nginx's merge functions (ngx_http_core_merge_loc_conf, the
// lua module's merge): content_by_lua is per location, rewrite/access_by_lua inherit.

#include "engine/conf/builder.h"
#include "engine/conf/locationmatcher.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace restyscope::engine::conf;

namespace {

LoadResult loadText(const QTemporaryDir& prefix, const QByteArray& text)
{
    QDir().mkpath(prefix.filePath(QStringLiteral("conf")));
    QFile file(prefix.filePath(QStringLiteral("conf/nginx.conf")));
    if (file.open(QIODevice::WriteOnly)) {
        file.write(text);
    }
    file.close();
    return loadConfig(prefix.path().toStdString(), "conf/nginx.conf");
}

const LocationConfig* location(const ServerConfig& server, std::string_view uri)
{
    return findLocation(server, uri).location;
}

const char* const inheritanceConf = R"(
events {}
http {
    client_max_body_size 10m;
    keepalive_timeout 30s;
    default_type application/json;
    server {
        listen 127.0.0.1:18080;
        keepalive_timeout 0;
        client_body_timeout 1m30s;
        location /a {
            client_max_body_size 1k;
            lua_code_cache off;
            server_tokens off;
            location /a/b {
                postpone_output 0;
                lua_http10_buffering off;
            }
        }
        location /c { }
    }
}
)";

const char* const serverValuesConf = R"(
events {}
http {
    client_header_timeout 5s;
    large_client_header_buffers 2 1k;
    underscores_in_headers on;
    server { listen 18080; client_header_buffer_size 2k; merge_slashes off; }
    server { listen 18081; client_header_timeout 100ms; ignore_invalid_headers off; }
}
)";

const char* const luaHandlersConf = R"(events {}
http {
    lua_package_path "$prefix/lua/?.lua;;";
    lua_package_cpath "/usr/lib/lua/?.so;;";
    lua_shared_dict cache 10m;
    lua_shared_dict locks 64k;
    init_by_lua_block {
        glob = 1
    }
    rewrite_by_lua 'ngx.ctx.a = "}"';
    server {
        listen 18080;
        access_by_lua_file lua/access.lua;
        location /a {
            content_by_lua_block {
                ngx.say("a")
            }
            location /a/b {
                rewrite_by_lua_file lua/$1/${arg_x}.lua;
            }
        }
    }
}
)";

const char* const returnsConf = R"(events {}
http { server {
    listen 18080;
    return 403;
    location = /a { return 200 "text $uri"; return 500; }
    location = /b { return http://example.com/x; }
    location = /c { return 301 /moved; }
    location = /d { }
} }
)";

const char* const listensConf = R"(events {}
http {
    server {
        listen 18080;
        listen 127.0.0.1 default_server;
        listen [::1]:18081;
        listen 127.0.0.1:18082-18084;
        listen *:18085;
        listen 127.000.0.1:18086;
        server_name Example.COM *.Example.com ~^(?<sub>.+)\.Test$ "";
    }
}
)";

const char* const noticesConf = R"(worker_processes auto;
events { worker_connections 64; }
http {
    sendfile on;
    gzip on;
    lua_code_cache off;
    server { listen 18080; body_filter_by_lua_block { } }
}
)";

} // namespace

class TestConfig : public QObject
{
    Q_OBJECT

private slots:
    void inheritance()
    {
        QTemporaryDir prefix;
        const LoadResult result = loadText(prefix, inheritanceConf);
        QVERIFY2(result.config, result.error.c_str());
        const ServerConfig& server = *result.config->http->servers.at(0);
        QCOMPARE(server.local.clientMaxBodySize, std::optional<std::uint64_t>(10 * 1024 * 1024));
        QCOMPARE(server.local.keepaliveTimeoutMs, std::optional<std::uint64_t>(0));
        QCOMPARE(server.local.clientBodyTimeoutMs, std::optional<std::uint64_t>(90000));
        QCOMPARE(server.local.defaultType, std::optional<std::string>("application/json"));

        const LocationConfig* a = location(server, "/a");
        QCOMPARE(a->local.clientMaxBodySize, std::optional<std::uint64_t>(1024));
        QCOMPARE(a->local.luaCodeCache, std::optional<bool>(false));
        QCOMPARE(a->local.keepaliveTimeoutMs, std::optional<std::uint64_t>(0));
        QCOMPARE(a->local.serverTokens, std::optional<bool>(false));

        const LocationConfig* b = location(server, "/a/b");
        QCOMPARE(b->pattern, std::string("/a/b"));
        QCOMPARE(b->local.clientMaxBodySize, std::optional<std::uint64_t>(1024));
        QCOMPARE(b->local.luaCodeCache, std::optional<bool>(false));
        QCOMPARE(b->local.serverTokens, std::optional<bool>(false));
        QCOMPARE(b->local.postponeOutput, std::optional<std::size_t>(0));
        QCOMPARE(b->local.luaHttp10Buffering, std::optional<bool>(false));
        QCOMPARE(b->local.clientBodyTimeoutMs, std::optional<std::uint64_t>(90000));

        // Everything unset anywhere gets nginx's default.
        const LocationConfig* c = location(server, "/c");
        QCOMPARE(c->local.clientMaxBodySize, std::optional<std::uint64_t>(10 * 1024 * 1024));
        QCOMPARE(c->local.luaCodeCache, std::optional<bool>(true));
        QCOMPARE(c->local.postponeOutput, std::optional<std::size_t>(1460));
        QCOMPARE(c->local.serverTokens, std::optional<bool>(true));
        QCOMPARE(c->local.luaHttp10Buffering, std::optional<bool>(true));
        QVERIFY(!c->local.rewriteByLua);
        QVERIFY(!c->local.accessByLua);
    }

    void defaults()
    {
        QTemporaryDir prefix;
        const LoadResult result =
            loadText(prefix, "events {}\nhttp { server { location / {} } }\n");
        QVERIFY2(result.config, result.error.c_str());
        const Config& config = *result.config;
        QCOMPARE(config.prefix, prefix.path().toStdString() + "/");
        QCOMPARE(config.confFile, prefix.path().toStdString() + "/conf/nginx.conf");
        QCOMPARE(config.errorLogPath, prefix.path().toStdString() + "/logs/error.log");
        QCOMPARE(config.errorLogLevel, LogLevel::Error);
        QVERIFY(config.pidPath.empty());
        const ServerConfig& server = *config.http->servers.at(0);
        QCOMPARE(server.serverNames, std::vector<std::string>{""});
        QCOMPARE(server.clientHeaderTimeoutMs, std::uint64_t(60000));
        QCOMPARE(server.clientHeaderBufferSize, std::size_t(1024));
        QCOMPARE(server.largeHeaderBuffersNumber, std::size_t(4));
        QCOMPARE(server.largeHeaderBufferSize, std::size_t(8192));
        QVERIFY(server.mergeSlashes);
        QVERIFY(server.ignoreInvalidHeaders);
        QVERIFY(!server.underscoresInHeaders);
        const LocalConf& local = location(server, "/x")->local;
        QCOMPARE(local.clientMaxBodySize, std::optional<std::uint64_t>(1024 * 1024));
        QCOMPARE(local.defaultType, std::optional<std::string>("text/plain"));
        QCOMPARE(local.keepaliveTimeoutMs, std::optional<std::uint64_t>(75000));
        QCOMPARE(local.clientBodyTimeoutMs, std::optional<std::uint64_t>(60000));
    }

    void serverValues()
    {
        QTemporaryDir prefix;
        const LoadResult result = loadText(prefix, serverValuesConf);
        QVERIFY2(result.config, result.error.c_str());
        const ServerConfig& first = *result.config->http->servers.at(0);
        QCOMPARE(first.clientHeaderTimeoutMs, std::uint64_t(5000));
        QCOMPARE(first.clientHeaderBufferSize, std::size_t(2048));
        QCOMPARE(first.largeHeaderBuffersNumber, std::size_t(2));
        QCOMPARE(first.largeHeaderBufferSize, std::size_t(1024));
        QVERIFY(!first.mergeSlashes);
        QVERIFY(first.underscoresInHeaders);
        const ServerConfig& second = *result.config->http->servers.at(1);
        QCOMPARE(second.clientHeaderTimeoutMs, std::uint64_t(100));
        QCOMPARE(second.clientHeaderBufferSize, std::size_t(1024));
        QVERIFY(second.mergeSlashes);
        QVERIFY(!second.ignoreInvalidHeaders);
    }

    void luaHandlers()
    {
        QTemporaryDir prefix;
        const LoadResult result = loadText(prefix, luaHandlersConf);
        QVERIFY2(result.config, result.error.c_str());
        const HttpConfig& http = *result.config->http;
        QCOMPARE(http.luaPackagePath, std::vector<std::string>{"$prefix/lua/?.lua;;"});
        QCOMPARE(http.luaPackageCpath, std::vector<std::string>{"/usr/lib/lua/?.so;;"});
        QCOMPARE(http.sharedDicts.size(), std::size_t(2));
        QCOMPARE(http.sharedDicts[0].name, std::string("cache"));
        QCOMPARE(http.sharedDicts[0].size, std::uint64_t(10 * 1024 * 1024));
        QCOMPARE(http.sharedDicts[1].size, std::uint64_t(64 * 1024));
        QCOMPARE(http.sharedDicts[1].where.line, 6);

        QVERIFY(http.initByLua);
        QCOMPARE(http.initByLua->tag, std::string("init_by_lua"));
        QCOMPARE(http.initByLua->form, LuaHandler::Form::Block);
        QCOMPARE(http.initByLua->code, std::string("\n        glob = 1\n    "));
        QCOMPARE(http.initByLua->where.line, 7);

        const ServerConfig& server = *http.servers.at(0);
        QVERIFY(server.local.rewriteByLua);
        QCOMPARE(server.local.rewriteByLua->form, LuaHandler::Form::String);
        QCOMPARE(server.local.rewriteByLua->code, std::string("ngx.ctx.a = \"}\""));
        QCOMPARE(server.local.rewriteByLua->where.line, 10);
        QCOMPARE(server.local.accessByLua->form, LuaHandler::Form::File);
        QVERIFY(server.local.accessByLua->path.isConstant());
        QCOMPARE(server.local.accessByLua->path.raw(), std::string("lua/access.lua"));

        const LocationConfig* a = location(server, "/a");
        QVERIFY(a->contentByLua);
        QCOMPARE(a->contentByLua->tag, std::string("content_by_lua"));
        QCOMPARE(a->contentByLua->code,
                 std::string("\n                ngx.say(\"a\")\n            "));
        QCOMPARE(a->contentByLua->where.line, 15);
        QCOMPARE(a->contentByLua->where.file, result.config->confFile);
        QCOMPARE(a->local.accessByLua->path.raw(), std::string("lua/access.lua"));
        QCOMPARE(a->local.rewriteByLua->code, std::string("ngx.ctx.a = \"}\""));

        // content_by_lua is not inherited; the nested rewrite overrides the inherited one.
        const LocationConfig* b = location(server, "/a/b");
        QVERIFY(!b->contentByLua);
        QCOMPARE(b->local.rewriteByLua->form, LuaHandler::Form::File);
        QVERIFY(!b->local.rewriteByLua->path.isConstant());
        const std::string path = b->local.rewriteByLua->path.evaluate(
            [](std::string_view name) -> std::optional<std::string> {
                if (name == "1") {
                    return "dir";
                }
                if (name == "arg_x") {
                    return "file";
                }
                return std::nullopt;
            });
        QCOMPARE(path, std::string("lua/dir/file.lua"));
        QCOMPARE(b->local.accessByLua->path.raw(), std::string("lua/access.lua"));
    }

    void initByLuaFileIsLiteral()
    {
        QTemporaryDir prefix;
        const LoadResult result =
            loadText(prefix, "events {}\nhttp { init_by_lua_file lua/$init.lua; }\n");
        QVERIFY2(result.config, result.error.c_str());
        const LuaHandler& init = *result.config->http->initByLua;
        QCOMPARE(init.form, LuaHandler::Form::File);
        QVERIFY(init.path.isConstant());
        QCOMPARE(init.path.evaluate({}), std::string("lua/$init.lua"));
    }

    void returns()
    {
        QTemporaryDir prefix;
        const LoadResult result = loadText(prefix, returnsConf);
        QVERIFY2(result.config, result.error.c_str());
        const ServerConfig& server = *result.config->http->servers.at(0);
        QCOMPARE(server.returnAction->status, 403);
        QVERIFY(!server.returnAction->text);
        const ReturnAction& a = *location(server, "/a")->returnAction;
        QCOMPARE(a.status, 200);
        QCOMPARE(a.text->raw(), std::string("text $uri"));
        const auto lookup = [](std::string_view name) -> std::optional<std::string> {
            return name == "uri" ? std::optional<std::string>("/a") : std::nullopt;
        };
        QCOMPARE(a.text->evaluate(lookup), std::string("text /a"));
        const ReturnAction& b = *location(server, "/b")->returnAction;
        QCOMPARE(b.status, 302);
        QCOMPARE(b.text->raw(), std::string("http://example.com/x"));
        QCOMPARE(location(server, "/c")->returnAction->status, 301);
        QVERIFY(!location(server, "/d")->returnAction);
    }

    void listensAndNames()
    {
        QTemporaryDir prefix;
        const LoadResult result = loadText(prefix, listensConf);
        QVERIFY2(result.config, result.error.c_str());
        const ServerConfig& server = *result.config->http->servers.at(0);
        QStringList listens;
        for (const ListenAddress& listen : server.listen) {
            listens << QStringLiteral("%1 %2%3")
                           .arg(QString::fromStdString(listen.address))
                           .arg(listen.port)
                           .arg(listen.defaultServer ? QStringLiteral(" default") : QString());
        }
        QCOMPARE(
            listens,
            QStringList({QStringLiteral("0.0.0.0 18080"), QStringLiteral("127.0.0.1 80 default"),
                         QStringLiteral("::1 18081"), QStringLiteral("127.0.0.1 18082"),
                         QStringLiteral("127.0.0.1 18083"), QStringLiteral("127.0.0.1 18084"),
                         QStringLiteral("0.0.0.0 18085"), QStringLiteral("127.0.0.1 18086")}));
        QCOMPARE(server.serverNames, (std::vector<std::string>{"example.com", "*.example.com",
                                                               "~^(?<sub>.+)\\.Test$", ""}));
        QCOMPARE(server.serverNameRegexes.size(), std::size_t(1));
        // An uppercase letter makes nginx's server name regex caseless.
        QVERIFY(server.serverNameRegexes[0]->matches("www.test"));
    }

    void paths()
    {
        QTemporaryDir prefix;
        LoadResult result = loadText(
            prefix, "error_log /var/log/x.log debug_http;\npid run/nginx.pid;\nevents {}\n");
        QVERIFY2(result.config, result.error.c_str());
        QCOMPARE(result.config->errorLogPath, std::string("/var/log/x.log"));
        QCOMPARE(result.config->errorLogLevel, LogLevel::Debug);
        QCOMPARE(result.config->pidPath, prefix.path().toStdString() + "/run/nginx.pid");
        QVERIFY(!result.config->http);

        // The first main-level error_log is the one used.
        result = loadText(prefix, "error_log stderr warn;\nerror_log logs/b.log;\nevents {}\n");
        QVERIFY2(result.config, result.error.c_str());
        QCOMPARE(result.config->errorLogPath, std::string("stderr"));
        QCOMPARE(result.config->errorLogLevel, LogLevel::Warn);

        // -p without a trailing '/', -c absolute.
        const std::string conf = prefix.filePath(QStringLiteral("conf/nginx.conf")).toStdString();
        result = loadConfig(prefix.path().toStdString(), conf);
        QVERIFY2(result.config, result.error.c_str());
        QCOMPARE(result.config->confFile, conf);
        QCOMPARE(result.config->prefix, prefix.path().toStdString() + "/");

        // A relative prefix is taken from the working directory.
        result = loadText(prefix, "error_log logs/b.log;\nevents {}\n");
        QVERIFY2(result.config, result.error.c_str());
        const QString cwd = QDir::currentPath();
        QVERIFY(QDir::setCurrent(prefix.path()));
        result = loadConfig(".", "conf/nginx.conf");
        QVERIFY(QDir::setCurrent(cwd));
        QVERIFY2(result.config, result.error.c_str());
        QCOMPARE(QDir::cleanPath(QString::fromStdString(result.config->errorLogPath)),
                 QDir(prefix.path()).canonicalPath() + QStringLiteral("/logs/b.log"));
    }

    void notices()
    {
        QTemporaryDir prefix;
        const LoadResult result = loadText(prefix, noticesConf);
        QVERIFY2(result.config, result.error.c_str());
        QStringList lines;
        for (const ConfMessage& message : result.messages) {
            lines << QStringLiteral("%1 %2 %3")
                         .arg(QString::fromLatin1(logLevelName(message.level).data()))
                         .arg(message.ownNotice ? QStringLiteral("own") : QStringLiteral("nginx"))
                         .arg(QString::fromStdString(message.text))
                         .replace(prefix.path(), QStringLiteral("P"));
        }
        QCOMPARE(lines,
                 QStringList({
                     QStringLiteral("info own \"worker_processes\" directive is ignored by "
                                    "restyscope in P/conf/nginx.conf:1"),
                     QStringLiteral("info own \"worker_connections\" directive is ignored by "
                                    "restyscope in P/conf/nginx.conf:2"),
                     QStringLiteral("info own \"sendfile\" directive is ignored by restyscope in "
                                    "P/conf/nginx.conf:4"),
                     QStringLiteral("warn own \"gzip\" directive is not implemented by restyscope, "
                                    "ignored in P/conf/nginx.conf:5"),
                     QStringLiteral("alert nginx lua_code_cache is off; this will hurt performance "
                                    "in P/conf/nginx.conf:6"),
                     QStringLiteral(
                         "warn own \"body_filter_by_lua_block\" directive is not supported by "
                         "restyscope, ignored in P/conf/nginx.conf:7"),
                 }));
    }

    void unknownVariables()
    {
        // nginx 1.22.1 for `return 200 $foo_unknown;`: "[emerg] unknown "foo_unknown"
        // variable", with no file or line, once http{} is read.
        QTemporaryDir prefix;
        QDir().mkpath(prefix.filePath(QStringLiteral("conf")));
        QFile file(prefix.filePath(QStringLiteral("conf/nginx.conf")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("events {}\nhttp { server {\n"
                   "  location ~ ^/(?<Name>\\w+) { return 200 \"$uri $name $1\"; }\n"
                   "  location / { content_by_lua_file lua/$Foo_Unknown/$other.lua; }\n"
                   "} }\n");
        file.close();
        const auto known = [](std::string_view name) { return name == "uri"; };
        LoadResult result = loadConfig(prefix.path().toStdString(), "conf/nginx.conf", known);
        QVERIFY(!result.config);
        QCOMPARE(result.error, std::string("unknown \"foo_unknown\" variable"));
        // Without a check every variable is taken.
        result = loadConfig(prefix.path().toStdString(), "conf/nginx.conf");
        QVERIFY2(result.config, result.error.c_str());
        const auto all = [](std::string_view) { return true; };
        result = loadConfig(prefix.path().toStdString(), "conf/nginx.conf", all);
        QVERIFY2(result.config, result.error.c_str());
    }

    void restyscopeOwnErrors_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("error");
        QTest::newRow("ssl") << QByteArray("events {}\nhttp { server { listen 443 ssl; } }\n")
                             << "the \"ssl\" parameter of \"listen\" is not supported by "
                                "restyscope in P/conf/nginx.conf:2";
        QTest::newRow("unix socket")
            << QByteArray("events {}\nhttp { server { listen unix:/tmp/s; } }\n")
            << "unix domain sockets in \"listen\" are not supported by restyscope in "
               "P/conf/nginx.conf:2";
    }

    void restyscopeOwnErrors()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, error);
        QTemporaryDir prefix;
        const LoadResult result = loadText(prefix, text);
        QVERIFY(!result.config);
        QCOMPARE(QString::fromStdString(result.error).replace(prefix.path(), QStringLiteral("P")),
                 error);
    }
};

QTEST_GUILESS_MAIN(TestConfig)
#include "tst_config.moc"
