// libFuzzer harness: the HTTP connection state machine (engine/http/connection.*) with the
// real phase engine behind it, no sockets. The input is a byte stream cut at points the
// input itself chooses, so every split of a request (mid-line, mid-CRLF, mid-chunk) is
// reachable; then the peer closes and the deadline fires, as a client going away would.
//
// Input: [flags][ncuts][ncuts x 2-byte offsets][stream]
//   flags bit 0-1: limits (nginx defaults, tiny buffers, one large buffer, no keep-alive)
//   flags bit 2:   consume output only at the end (a client that does not read)
//   flags bit 3:   time out before the peer closes
// The conf has `return`, regex captures, static files, a Lua content handler that reads
// the body, and one that answers from the rewrite phase.

#include "engine/api/api.h"
#include "engine/api/misc.h"
#include "engine/api/shdict.h"
#include "engine/conf/builder.h"
#include "engine/http/connection.h"
#include "engine/http/phases.h"
#include "engine/modules/lua/luahttpmodule.h"
#include "engine/modules/modules.h"
#include "engine/runtime/vm.h"
#include "engine/sched/luamodule.h"
#include "engine/sched/scheduler.h"
#include "engine/trace/errorlog.h"
#include "engine/trace/tracer.h"

#include <asio/io_context.hpp>
#include <lua.hpp> // with luajit.h, as C

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

using namespace restyscope::engine;

namespace {

constexpr const char* kConf = R"(
events {}
http {
    server {
        listen 127.0.0.1:8080;
        server_name localhost example.com;
        client_max_body_size 64;
        location = /r { return 200 "uri=$uri args=$args host=$host ua=$http_user_agent\n"; }
        location /redir { return 301 /to$request_uri; }
        location ~ ^/re/(?<word>\w+)/(\d+) { return 202 "$word $2 $arg_a\n"; }
        location /lua {
            content_by_lua_block {
                ngx.req.read_body()
                local body = ngx.req.get_body_data()
                ngx.header["X-Len"] = body and #body or 0
                ngx.say(ngx.var.request_uri, " ", ngx.req.get_method(), " ", body)
            }
        }
        location /hdr {
            content_by_lua_block {
                for k, v in pairs(ngx.req.get_headers()) do ngx.say(k, ": ", tostring(v)) end
                ngx.say(ngx.req.raw_header())
            }
        }
        location /exit {
            rewrite_by_lua_block { ngx.exit(tonumber(ngx.var.arg_s) or 204) }
        }
        location / { root html; }
    }
}
)";

class FuzzTransport : public http::ConnectionTransport
{
public:
    void wake() override {}
};

struct World
{
    std::string prefix;
    trace::ErrorLog log;
    trace::Tracer tracer;
    asio::io_context io;
    std::unique_ptr<conf::Config> config;
    std::unique_ptr<http::PhaseEngine> phases;
    std::unique_ptr<sched::Scheduler> scheduler;
    std::unique_ptr<modules::HttpModules> modules;
    sched::LuaModule* lua = nullptr;
};

World* g_world = nullptr;

void makePrefix(const std::string& prefix)
{
    namespace fs = std::filesystem;
    fs::create_directories(prefix + "/conf");
    fs::create_directories(prefix + "/html/dir");
    fs::create_directories(prefix + "/logs");
    std::ofstream(prefix + "/conf/nginx.conf") << kConf;
    std::ofstream(prefix + "/html/index.html") << "<p>index</p>\n";
    std::ofstream(prefix + "/html/a.txt") << "a file\n";
    std::ofstream(prefix + "/html/dir/b.html") << "b\n";
}

void pump(World& w)
{
    w.io.restart();
    w.io.poll();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    auto* w = new World;
    char pattern[] = "/tmp/restyscope-fuzz-XXXXXX";
    if (!::mkdtemp(pattern)) {
        std::perror("mkdtemp");
        std::abort();
    }
    w->prefix = pattern;
    makePrefix(w->prefix);
    std::string error;
    if (!w->log.open("/dev/null", error)) {
        std::fprintf(stderr, "%s\n", error.c_str());
        std::abort();
    }
    w->log.setLevel(trace::LogLevel::Debug);
    w->modules = std::make_unique<modules::HttpModules>(
        modules::ModuleServices{[w] { return w->scheduler.get(); }, &api::installNgxApi});
    auto loaded = conf::loadConfig(w->prefix + "/", "conf/nginx.conf", w->modules->confHooks());
    if (!loaded.config) {
        std::fprintf(stderr, "fuzz conf: %s\n", loaded.error.c_str());
        std::abort();
    }
    w->config = std::move(loaded.config);
    w->phases = std::make_unique<http::PhaseEngine>(*w->config, w->log, w->tracer);
    w->scheduler = std::make_unique<sched::Scheduler>(w->io, w->tracer, w->log);
    api::setConfigPrefix(w->config->prefix);
    api::configureSharedDicts(*w->config);
    if (!w->modules->postConfiguration(*w->phases, error)) {
        std::fprintf(stderr, "fuzz lua init: %s\n", error.c_str());
        std::abort();
    }
    w->lua = w->modules->lua().runtime();
    // The JIT keeps its IR buffer through a biased pointer (J->irbuf points below the
    // block), which LeakSanitizer cannot follow: with the JIT on, every trace recording
    // shows up as a "leak" of that buffer. The interpreter exercises the same engine code.
    luaJIT_setmode(w->lua->mainVm().state(), 0, LUAJIT_MODE_ENGINE | LUAJIT_MODE_OFF);
    g_world = w;
    std::atexit([] {
        std::error_code ignored;
        std::filesystem::remove_all(g_world->prefix, ignored);
    });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 2) {
        return 0;
    }
    World& w = *g_world;
    const std::uint8_t flags = data[0];
    const std::size_t ncuts = data[1] % 8;
    std::size_t pos = 2;
    std::vector<std::size_t> cuts;
    for (std::size_t i = 0; i < ncuts && pos + 1 < size; ++i, pos += 2) {
        cuts.push_back(static_cast<std::size_t>(data[pos]) | (std::size_t(data[pos + 1]) << 8));
    }
    const std::string_view stream(reinterpret_cast<const char*>(data) + pos, size - pos);

    http::ConnectionLimits limits;
    switch (flags & 3) {
    case 0: break;
    case 1:
        limits.clientHeaderBufferSize = 64;
        limits.largeHeaderBufferSize = 128;
        limits.largeHeaderBuffers = 2;
        break;
    case 2: limits.largeHeaderBuffers = 1; break;
    case 3: limits.keepaliveTimeout = std::chrono::milliseconds(0); break;
    }
    const bool readLate = (flags & 4) != 0;
    const bool timeoutFirst = (flags & 8) != 0;

    FuzzTransport transport;
    std::string answer; // kept so a debugger can look at it
    {
        http::Connection connection(1, transport, *w.phases, w.log);
        connection.setAddresses("127.0.0.1", 40000, "127.0.0.1", 8080);
        connection.setLimits(limits);
        connection.setRequestConfigurer(
            [&w](http::HttpRequest& request) { w.phases->configureForServer(request); });
        auto drain = [&] {
            answer += connection.output();
            connection.consumeOutput(connection.output().size());
        };
        std::size_t from = 0;
        cuts.push_back(stream.size());
        for (std::size_t cut : cuts) {
            cut = std::min(std::max(cut, from), stream.size());
            if (cut > from) {
                connection.onData(stream.data() + from, cut - from);
                pump(w);
                if (!readLate) {
                    drain();
                }
            }
            from = cut;
        }
        if (timeoutFirst) {
            connection.onTimeout();
            pump(w);
        }
        connection.onPeerClosed();
        pump(w);
        connection.onTimeout();
        pump(w);
        drain();
        connection.detach();
        pump(w);
    }
    pump(w);
    return 0;
}
