#pragma once
// Design: what the builder's files share (builder.cpp walks the tree and owns the blocks,
// directives.cpp / luadirectives.cpp / listen.cpp hold the directive handlers). Modules
// include it for their own directive handlers (conf/moduleconf.h).

#include "engine/conf/builder.h"
#include "engine/conf/config.h"
#include "engine/conf/parser.h"
#include "engine/conf/values.h"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace restyscope::engine::conf::detail {

// Where a directive may appear (nginx's NGX_MAIN_CONF, NGX_EVENT_CONF, NGX_HTTP_*_CONF).
enum Context : unsigned {
    MainContext = 1u << 0,
    EventsContext = 1u << 1,
    HttpContext = 1u << 2,
    ServerContext = 1u << 3,
    LocationContext = 1u << 4,
};

// Argument rules, bit for bit nginx's NGX_CONF_* flags.
enum ArgRule : unsigned {
    NoArgs = 0x1,
    Take1 = 0x2,
    Take2 = 0x4,
    Take3 = 0x8,
    Take4 = 0x10,
    Take5 = 0x20,
    Take6 = 0x40,
    Take7 = 0x80,
    Take12 = Take1 | Take2,
    Take123 = Take1 | Take2 | Take3,
    Take1234 = Take1 | Take2 | Take3 | Take4,
    Block = 0x100,
    Flag = 0x200,
    AnyArgs = 0x400,
    OneOrMore = 0x800,
    TwoOrMore = 0x1000,
};

// Values set at server level that nginx keeps in its srv_conf (merged http -> server).
struct ServerValues
{
    std::optional<std::uint64_t> clientHeaderTimeoutMs;
    std::optional<std::size_t> clientHeaderBufferSize;
    std::optional<std::pair<std::size_t, std::size_t>> largeHeaderBuffers; // number, size
    std::optional<bool> mergeSlashes;
    std::optional<bool> ignoreInvalidHeaders;
    std::optional<bool> underscoresInHeaders;
};

struct ServerState
{
    ServerConfig* config = nullptr;
    ServerValues values;
    bool hasListen = false;
};

// One address:port as nginx groups listens (ngx_http_conf_addr_t).
struct ListenGroup
{
    ListenAddress address;   // address and port; defaultServer unused here
    std::string text;        // "0.0.0.0:80", "[::1]:8080": how nginx names it in messages
    bool optionsSet = false; // backlog=, reuseport, ... given once already
    bool hasDefault = false;
    std::vector<const ServerConfig*> servers; // in the order their listens were read
};

struct HttpState
{
    LocalConf local; // http-level values of the location directives
    ServerValues values;
    std::vector<std::unique_ptr<ServerState>> servers;
    std::vector<ListenGroup> listens;
    // address:port -> index in listens (a port range makes thousands of groups)
    std::map<std::pair<std::string, std::uint16_t>, std::size_t> listenIndex;
};

// One block being walked: its context, the innermost objects it fills, and the slots
// already set in it ("is duplicate" is per block, as nginx's conf structs are).
struct Scope
{
    Context context = MainContext;
    LocalConf* local = nullptr;
    ServerState* server = nullptr;
    LocationConfig* location = nullptr;
    std::set<std::string> seen;
    std::map<std::string, std::string> mimeTypes; // types{} extension -> type, for warnings
    ModuleConfs* modules = nullptr; // the modules' confs of this block (http and below)
};

struct BuildState
{
    std::string prefix;     // absolute, with '/'
    std::string confPrefix; // the main conf's directory, with '/'
    std::unique_ptr<Config> config;
    std::unique_ptr<HttpState> http;
    std::optional<ConfError> error;
    std::optional<ConfError> parseError;
    bool syntaxOk = false;
    std::vector<ConfMessage> messages;
    bool sawEvents = false;
    bool modulesUsed = false; // events{} or http{} seen: load_module is too late after
    bool mainErrorLogSet = false;
    VariableCheck isVariable;
    std::vector<std::string> variables;       // used in complex values, in order of first use
    std::set<std::string> captureNames;       // named captures of location/server_name regexes
    std::span<const ModuleConfHooks> modules; // the module list's directives and conf hooks
    std::size_t currentModule = 0;            // whose directive is being handled

    // Records an nginx error reported at the directive ("... in FILE:LINE").
    bool fail(std::string_view message, const Directive& directive,
              LogLevel level = LogLevel::Emerg);
    // Records an error with its text complete (no location, or a location already in).
    bool failText(std::string text, LogLevel level = LogLevel::Emerg);
    // The string a directive handler returns to nginx: `"NAME" directive MESSAGE`, or the
    // bare message for *_by_lua_block directives, whose parser logs it unprefixed.
    bool failDirective(std::string_view message, const Directive& directive);
    // The syntax error found after the last directive the walk reached.
    bool failParse();
    void notice(LogLevel level, std::string_view message, const Directive& directive);
    // restyscope's own notice: nginx prints nothing at this point.
    void ownNotice(LogLevel level, std::string_view message, const Directive& directive);
};

// Records the variables a compiled value uses and the names a regex defines, for the
// check nginx makes when http{} ends (`unknown "x" variable`).
void noteVariables(BuildState& state, const ComplexValue& value);
void noteCaptures(BuildState& state, const Regex& regex);

// Marks `slot` set in this scope; false (after reporting "is duplicate") when it already was.
bool claimSlot(BuildState& state, Scope& scope, std::string_view slot, const Directive& directive);

struct DirectiveSpec;
using Handler = bool (*)(BuildState&, Scope&, const Directive&, const DirectiveSpec&);

// How an accepted-but-ignored directive's value is still checked, as nginx would.
enum class ValueKind { Any, Flag, Number, Size, Offset, Msec, Sec, String, ServerTokens };

struct DirectiveSpec
{
    std::string_view name;
    unsigned contexts = 0;
    unsigned args = 0;
    Handler handler = nullptr;
    ValueKind kind = ValueKind::Any;
    bool duplicateCheck = false; // ignored directives: nginx's slot reports "is duplicate"
};

// The core tables, then each module's table in module-list order; *module is set to the
// module's index for a module's directive.
const DirectiveSpec* findDirective(std::string_view name,
                                   std::span<const ModuleConfHooks> modules = {},
                                   std::size_t* module = nullptr);

// The conf of the module whose directive is being handled, in the block being read.
template <typename T> T& moduleConf(BuildState& state, Scope& scope)
{
    return *static_cast<T*>((*scope.modules)[state.currentModule].get());
}

// "on"/"off" in any case, else nginx's "it must be \"on\" or \"off\"" error.
bool parseFlag(BuildState& state, const Directive& directive, bool& value);
// The value check of nginx's generic slot handlers (ngx_conf_set_*_slot).
bool checkValue(BuildState& state, const Directive& directive, ValueKind kind);
// Accepted and checked like nginx does, but not acted on (an info notice says so).
bool ignore(BuildState& state, Scope& scope, const Directive& directive, const DirectiveSpec& spec);
// The Lua directives' table (luadirectives.cpp), searched by findDirective().
std::span<const DirectiveSpec> luaDirectives();

// Number of arguments the directive's rules see (a Lua block's code is not one of them).
std::size_t argumentCount(const Directive& directive);

// Walks a block's directives in order; false on the first error.
bool walkBlock(BuildState& state, Scope& scope, const std::vector<Directive>& directives);

// Block directives (builder.cpp).
bool handleEvents(BuildState&, Scope&, const Directive&, const DirectiveSpec&);
bool handleHttp(BuildState&, Scope&, const Directive&, const DirectiveSpec&);
bool handleServer(BuildState&, Scope&, const Directive&, const DirectiveSpec&);
bool handleLocation(BuildState&, Scope&, const Directive&, const DirectiveSpec&);
bool handleTypes(BuildState&, Scope&, const Directive&, const DirectiveSpec&);

// listen.cpp
bool handleListen(BuildState&, Scope&, const Directive&, const DirectiveSpec&);
bool handleServerName(BuildState&, Scope&, const Directive&, const DirectiveSpec&);
// Adds a server's listen to its address:port group; false on nginx's duplicate errors.
bool addListen(BuildState& state, ServerState& server, const ListenAddress& address,
               bool optionsSet, const Directive* directive);
// After http{}: nginx's per-address server name checks (invalid wildcards, conflicting
// names).
bool finishServerNames(BuildState& state);

} // namespace restyscope::engine::conf::detail
