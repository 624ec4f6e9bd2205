#pragma once
// Design: the typed result of reading nginx.conf. The parser (parser.h) produces a
// directive tree; the builder (builder.h) checks every directive against its context and
// argument count and fills these structs. Values a location inherits (from http, server,
// parent location) are already merged when the builder returns, so the request path only
// reads the matched LocationConfig.

#include "engine/conf/complexvalue.h"
#include "engine/conf/moduleconf.h"
#include "engine/conf/regex.h"
#include "engine/trace/loglevel.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace restyscope::engine::conf {

// Per-level location lookup tables (locationmatcher.cpp), built when the conf is loaded.
struct LocationIndex;
// Virtual servers per address:port (servermatcher.cpp), built when the conf is loaded.
struct ServerIndex;

struct SourceLocation
{
    std::string file; // absolute path of the conf file the directive came from
    int line = 0;
};

using LogLevel = trace::LogLevel;

// A Lua handler directive: *_by_lua_file, *_by_lua_block, *_by_lua 'code'.
struct LuaHandler
{
    enum class Form { File, Block, String };
    Form form = Form::Block;
    std::string tag;      // directive family: "content_by_lua", "rewrite_by_lua", ...
    std::string code;     // inline source exactly as nginx reads it (Block/String)
    ComplexValue path;    // File form: the path as written, possibly with $variables
    SourceLocation where; // Block: line of its "{" (the chunk name line); else of its ";"
};

// `return code [text|url]` / `return url`.
struct ReturnAction
{
    int status = 0;
    std::optional<ComplexValue> text; // body text for 2xx/4xx/5xx, Location for 3xx
};

enum class LocationMatch { Prefix, Exact, PrefixNoRegex, Regex, RegexCaseless, Named };

// Directives valid at http, server and location level (nginx's loc_conf). Unset values
// inherit from the enclosing level; after merging every field holds its effective value.
struct LocalConf
{
    std::optional<std::uint64_t> clientMaxBodySize; // default 1m
    std::optional<bool> luaCodeCache;               // default on
    std::optional<LuaHandler> rewriteByLua;
    std::optional<LuaHandler> logByLua;
    std::optional<LuaHandler> headerFilterByLua;
    std::optional<LuaHandler> accessByLua;
    std::optional<std::string> defaultType; // default "text/plain"
    // types{}: extension (lower-case) -> MIME type; default nginx's own three entries.
    std::optional<std::shared_ptr<const std::map<std::string, std::string>>> types;
    std::optional<std::uint64_t> keepaliveTimeoutMs;  // default 75s
    std::optional<std::uint64_t> clientBodyTimeoutMs; // default 60s
    std::optional<std::size_t> postponeOutput;        // default 1460
    std::optional<bool> serverTokens;                 // default on
    std::optional<bool> luaHttp10Buffering;           // default on
    std::optional<bool> luaCheckClientAbort;          // default off
    // lua_socket_* (cosockets): timeouts, keepalive pool, error logging.
    std::optional<std::uint64_t> luaSocketConnectTimeoutMs;   // default 60s
    std::optional<std::uint64_t> luaSocketSendTimeoutMs;      // default 60s
    std::optional<std::uint64_t> luaSocketReadTimeoutMs;      // default 60s
    std::optional<std::uint64_t> luaSocketKeepaliveTimeoutMs; // default 60s
    std::optional<std::uint64_t> luaSocketPoolSize;           // default 30
    std::optional<bool> luaSocketLogErrors;                   // default on
};

struct LocationConfig
{
    LocationMatch match = LocationMatch::Prefix;
    std::string pattern;                // the URI or regex as written (without modifier)
    std::shared_ptr<const Regex> regex; // Regex / RegexCaseless
    SourceLocation where;
    LocalConf local;                          // merged
    std::optional<ReturnAction> returnAction; // rewrite-phase `return` of this location
    std::optional<LuaHandler> contentByLua;   // not inherited, as in nginx
    std::vector<std::unique_ptr<LocationConfig>> locations; // nested, in config order
    std::shared_ptr<const LocationIndex> index; // lookup over `locations` (indexLocations())
    ModuleConfs modules;                        // the modules' location confs, merged
};

struct ListenAddress
{
    std::string address = "0.0.0.0"; // numeric and canonical ("::1"); names are resolved
    std::uint16_t port = 80;
    bool defaultServer = false;
    bool implicit = false; // no listen in the server: nginx's *:80 (root) or *:8000
};

struct ServerConfig
{
    SourceLocation where;
    std::vector<ListenAddress> listen; // nginx adds 0.0.0.0:80 (:8000 if not root) when none given
    std::vector<std::string> serverNames; // lowercased as nginx does; "" when none given
    std::vector<std::shared_ptr<const Regex>> serverNameRegexes; // the "~..." names, in order
    LocalConf local;                                             // merged server-level values
    std::optional<ReturnAction> returnAction;                    // server-rewrite-phase `return`
    std::vector<std::unique_ptr<LocationConfig>> locations;      // top level, in config order
    std::shared_ptr<const LocationIndex> locationIndex;          // lookup over `locations`
    std::uint64_t clientHeaderTimeoutMs = 60000;
    std::size_t clientHeaderBufferSize = 1024;
    std::size_t largeHeaderBuffersNumber = 4;
    std::size_t largeHeaderBufferSize = 8192;
    bool ignoreInvalidHeaders = true;
    bool mergeSlashes = true;
    bool underscoresInHeaders = false;
    ModuleConfs modules; // the modules' server confs, merged
};

struct HttpConfig
{
    std::vector<std::unique_ptr<ServerConfig>> servers;
    std::shared_ptr<const ServerIndex> serverIndex; // for findServer() (indexServers())
    std::vector<std::string> luaPackagePath;        // raw directive values, expanded by the runtime
    std::vector<std::string> luaPackageCpath;
    std::optional<LuaHandler> initByLua;
    struct SharedDict
    {
        std::string name;
        std::uint64_t size = 0;
        SourceLocation where;
    };
    std::vector<SharedDict> sharedDicts;
    ModuleConfs modules; // the modules' http-level confs
};

struct Config
{
    std::string prefix;                          // absolute, with trailing '/'
    std::string confFile;                        // absolute path of the main conf file
    std::string errorLogPath = "logs/error.log"; // absolute after building
    LogLevel errorLogLevel = LogLevel::Error;
    std::string pidPath;              // absolute; empty when none
    std::unique_ptr<HttpConfig> http; // null when the conf has no http{} block
};

} // namespace restyscope::engine::conf
