// The module framework with a toy module: its directive and conf slots (create, merge), a
// rewrite-phase handler, a header filter, a body filter and a variable, each running in
// nginx's order around the core and the rewrite module's `return`, on real requests fed
// to a connection.

#include "engine/conf/builder.h"
#include "engine/conf/buildstate.h"
#include "engine/http/connection.h"
#include "engine/http/module.h"
#include "engine/http/phases.h"
#include "engine/http/status.h"
#include "engine/http/variables.h"
#include "engine/modules/rewrite/rewritemodule.h"
#include "engine/modules/static/staticmodule.h"
#include "engine/trace/errorlog.h"
#include "engine/trace/tracer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace restyscope::engine;

namespace {

// The toy module's location conf: `toy_tag TEXT;` (inherited when unset).
struct ToyConf
{
    std::optional<std::string> tag;
};

// Per request: what ran, in order.
struct ToyCtx
{
    std::vector<std::string> steps;
};

bool handleToyTag(conf::detail::BuildState& state, conf::detail::Scope& scope,
                  const conf::Directive& directive, const conf::detail::DirectiveSpec&)
{
    if (!conf::detail::claimSlot(state, scope, "toy_tag", directive)) {
        return false;
    }
    conf::detail::moduleConf<ToyConf>(state, scope).tag = directive.args[0];
    return true;
}

constexpr conf::detail::DirectiveSpec kToyDirectives[] = {
    {"toy_tag",
     conf::detail::HttpContext | conf::detail::ServerContext | conf::detail::LocationContext,
     conf::detail::Take1, handleToyTag},
};

class ToyModule final : public http::HttpModule
{
public:
    std::string_view name() const override { return "toy"; }

    conf::ModuleConfHooks confHooks() const override
    {
        conf::ModuleConfHooks hooks;
        hooks.module = "toy";
        hooks.directives = kToyDirectives;
        hooks.create = [](conf::ConfLevel) { return std::make_shared<ToyConf>(); };
        hooks.merge = [](const void* parent, void* child, conf::ConfLevel) {
            auto& mine = *static_cast<ToyConf*>(child);
            if (!mine.tag) {
                mine.tag = static_cast<const ToyConf*>(parent)->tag;
            }
        };
        return hooks;
    }

    bool postConfiguration(http::PhaseEngine& core, std::string&) override
    {
        core.addHandler(http::Phase::Rewrite, *this,
                        [this](const std::shared_ptr<http::HttpRequest>& request) {
                            steps(*request).push_back("rewrite " + tagOf(*request));
                            return http::kNgxDeclined;
                        });
        core.addHandler(
            http::Phase::Content, *this, [this](const std::shared_ptr<http::HttpRequest>& request) {
                steps(*request).push_back("content");
                const std::string body =
                    "tag=" + http::variableValue(*request, "toy_tag").value_or("(none)") + "\n";
                request->headersOut.status = 200;
                request->output(body, false, false);
                request->output("end\n", true, true);
                return http::kNgxOk;
            });
        core.filters().addHeaderFilter([this](http::HttpRequest& request,
                                              const http::FilterChains& chains, std::size_t next) {
            steps(request).push_back("header filter " + std::to_string(request.headersOut.status));
            request.headersOut.headers.push_back({"X-Toy", tagOf(request)});
            return chains.header(request, next);
        });
        core.filters().addBodyFilter([this](http::HttpRequest& request, http::BodyBuffer buffer,
                                            const http::FilterChains& chains, std::size_t next) {
            steps(request).push_back("body filter " + std::to_string(buffer.data.size()) +
                                     (buffer.last ? " last" : ""));
            // Upper-cases the body on its way down.
            std::string upper(buffer.data);
            for (char& c : upper) {
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            }
            buffer.data = upper;
            return chains.body(request, buffer, next);
        });
        core.variables().add({"toy_tag",
                              0,
                              [this](const http::HttpRequest& request, std::string_view) {
                                  return std::optional<std::string>(tagOf(request));
                              },
                              {}});
        core.addLogHandler(*this, [this](const std::shared_ptr<http::HttpRequest>& request) {
            steps(*request).push_back("log");
            finished.push_back(steps(*request));
        });
        return true;
    }

    std::string tagOf(const http::HttpRequest& request) const
    {
        const auto* location = request.request.location;
        const ToyConf* conf =
            location ? conf::moduleConfOf<ToyConf>(location->modules, index()) : nullptr;
        return conf && conf->tag ? *conf->tag : std::string("-");
    }

    std::vector<std::string>& steps(const http::HttpRequest& request) const
    {
        auto* ctx = request.ctx<ToyCtx>(this);
        if (!ctx) {
            auto made = std::make_shared<ToyCtx>();
            ctx = made.get();
            const_cast<http::HttpRequest&>(request).setCtx(this, made);
        }
        return ctx->steps;
    }

    mutable std::vector<std::vector<std::string>> finished; // each request's steps at log
};

class Transport : public http::ConnectionTransport
{
public:
    void wake() override {}
};

} // namespace

class TestHttpModule : public QObject
{
    Q_OBJECT

private:
    struct World
    {
        QTemporaryDir dir;
        trace::ErrorLog log;
        trace::Tracer tracer;
        std::vector<std::unique_ptr<http::HttpModule>> modules;
        ToyModule* toy = nullptr;
        std::unique_ptr<conf::Config> config;
        std::unique_ptr<http::PhaseEngine> core;
    };

    std::unique_ptr<World> makeWorld(const std::string& httpBlock, std::string& error)
    {
        auto world = std::make_unique<World>();
        world->log.setLevel(trace::LogLevel::Emerg);
        const std::string prefix = world->dir.path().toStdString() + "/";
        std::filesystem::create_directories(prefix + "conf");
        std::ofstream(prefix + "conf/nginx.conf") << "events {}\nhttp {\n" << httpBlock << "\n}\n";
        // The list in nginx's order: static, rewrite, then the addon.
        world->modules.push_back(std::make_unique<modules::StaticModule>());
        world->modules.push_back(std::make_unique<modules::RewriteModule>());
        auto toy = std::make_unique<ToyModule>();
        world->toy = toy.get();
        world->modules.push_back(std::move(toy));
        std::vector<conf::ModuleConfHooks> hooks;
        for (std::size_t i = 0; i < world->modules.size(); ++i) {
            world->modules[i]->setIndex(i);
            hooks.push_back(world->modules[i]->confHooks());
        }
        auto loaded = conf::loadConfig(prefix, "conf/nginx.conf", hooks);
        if (!loaded.config) {
            error = loaded.error;
            return nullptr;
        }
        world->config = std::move(loaded.config);
        world->core =
            std::make_unique<http::PhaseEngine>(*world->config, world->log, world->tracer);
        for (const auto& module : world->modules) {
            if (!module->postConfiguration(*world->core, error)) {
                return nullptr;
            }
        }
        world->core->init();
        return world;
    }

    // One request through a connection; the response bytes.
    static std::string send(World& world, const std::string& request)
    {
        Transport transport;
        http::Connection connection(1, transport, *world.core, world.log);
        connection.setAddresses("127.0.0.1", 40000, "127.0.0.1", 8080);
        connection.setRequestConfigurer(
            [&world](http::HttpRequest& r) { world.core->configureForServer(r); });
        connection.onData(request.data(), request.size());
        return connection.output();
    }

private slots:
    void directiveAndConfMerge()
    {
        std::string error;
        auto world = makeWorld("toy_tag outer;\n"
                               "server { listen 127.0.0.1:8080;\n"
                               "  location / { }\n"
                               "  location /inner { toy_tag inner; }\n"
                               "}",
                               error);
        QVERIFY2(world, error.c_str());
        const auto& server = *world->config->http->servers.front();
        const auto* inherited =
            conf::moduleConfOf<ToyConf>(server.locations[0]->modules, world->toy->index());
        const auto* own =
            conf::moduleConfOf<ToyConf>(server.locations[1]->modules, world->toy->index());
        QVERIFY(inherited && own);
        QCOMPARE(inherited->tag.value_or(""), std::string("outer"));
        QCOMPARE(own->tag.value_or(""), std::string("inner"));
    }

    void badDirectiveUsesNginxWords()
    {
        std::string error;
        auto world = makeWorld("server { listen 127.0.0.1:8080; toy_tag; }", error);
        QVERIFY(!world);
        QVERIFY2(error.starts_with("invalid number of arguments in \"toy_tag\" directive"),
                 error.c_str());
        world = makeWorld("server { listen 127.0.0.1:8080; toy_tag a; toy_tag b; }", error);
        QVERIFY(!world);
        QVERIFY2(error.starts_with("\"toy_tag\" directive is duplicate"), error.c_str());
    }

    void everyHookRunsInNginxOrder()
    {
        std::string error;
        auto world = makeWorld("server { listen 127.0.0.1:8080;\n"
                               "  location /t { toy_tag here; }\n"
                               "  location /r { toy_tag ret; return 201 made; }\n"
                               "}",
                               error);
        QVERIFY2(world, error.c_str());

        const std::string response = send(*world, "GET /t HTTP/1.0\r\n\r\n");
        QVERIFY2(response.find("X-Toy: here\r\n") != std::string::npos, response.c_str());
        QVERIFY2(response.ends_with("\r\n\r\nTAG=HERE\nEND\n"), response.c_str());
        QCOMPARE(world->toy->finished.size(), std::size_t(1));
        const std::vector<std::string> expected = {
            "rewrite here",       // rewrite phase
            "content",            // content phase: the toy before the static module
            "header filter 200",  // the header goes down as the first body buffer does
            "body filter 9",      // "tag=here\n"
            "body filter 4 last", // "end\n"
            "log",                // log phase, as the request ends
        };
        QCOMPARE(world->toy->finished[0], expected);

        // The toy module comes after the rewrite module in the list, so its rewrite handler
        // runs before `return` (nginx runs a phase's handlers last-registered first);
        // `return` then ends the phases: no content.
        const std::string returned = send(*world, "GET /r HTTP/1.0\r\n\r\n");
        QVERIFY2(returned.starts_with("HTTP/1.1 201 Created\r\n"), returned.c_str());
        QVERIFY2(returned.ends_with("\r\n\r\nMADE"), returned.c_str());
        QCOMPARE(world->toy->finished.size(), std::size_t(2));
        const std::vector<std::string> returnSteps = {"rewrite ret", "header filter 201",
                                                      "body filter 4 last", "log"};
        QCOMPARE(world->toy->finished[1], returnSteps);
    }

    void errorPagesPassTheFilters()
    {
        std::string error;
        auto world = makeWorld("server { listen 127.0.0.1:8080;\n"
                               "  location /e { toy_tag err; return 404; }\n"
                               "}",
                               error);
        QVERIFY2(world, error.c_str());
        const std::string response = send(*world, "GET /e HTTP/1.0\r\n\r\n");
        QVERIFY2(response.starts_with("HTTP/1.1 404 Not Found\r\n"), response.c_str());
        QVERIFY2(response.find("X-Toy: err\r\n") != std::string::npos, response.c_str());
        QVERIFY2(response.find("<CENTER><H1>404 NOT FOUND</H1></CENTER>") != std::string::npos,
                 response.c_str());
    }

    void variableRegistry()
    {
        http::VariableRegistry registry;
        QVERIFY(registry.exists("uri"));
        QVERIFY(registry.exists("arg_anything"));
        QVERIFY(!registry.exists("no_such_variable"));
        QCOMPARE(registry.writable("args"), http::VariableWrite::Set);
        QCOMPARE(registry.writable("uri"), http::VariableWrite::NotChangeable);
        QCOMPARE(registry.writable("ssl_cipher"), http::VariableWrite::NotAssignable);
        QCOMPARE(registry.writable("arg_x"), http::VariableWrite::Undefined); // by name only
        registry.add({"mine", http::kVariableChangeable, {}, {}});
        QCOMPARE(registry.writable("mine"), http::VariableWrite::NotAssignable);
    }
};

QTEST_GUILESS_MAIN(TestHttpModule)
#include "tst_httpmodule.moc"
