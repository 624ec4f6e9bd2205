#include "engine/conf/builder.h"

#include "engine/conf/buildstate.h"
#include "engine/conf/locationmatcher.h"

#include <algorithm>
#include <unistd.h>

namespace restyscope::engine::conf {

namespace detail {

namespace {

// nginx's connection_pool_size default (64 * sizeof(void*)); large_client_header_buffers
// must not be smaller.
constexpr std::size_t ConnectionPoolSize = 64 * sizeof(void*);

bool argumentsValid(unsigned rules, std::size_t count)
{
    if (rules & AnyArgs) {
        return true;
    }
    if (rules & Flag) {
        return count == 1;
    }
    if (rules & OneOrMore) {
        return count >= 1;
    }
    if (rules & TwoOrMore) {
        return count >= 2;
    }
    static constexpr unsigned exact[] = {NoArgs, Take1, Take2, Take3, Take4, Take5, Take6, Take7};
    return count < std::size(exact) && (rules & exact[count]) != 0;
}

// ngx_conf_handler's checks, in its order, then the directive's own handler.
bool handleDirective(BuildState& state, Scope& scope, const Directive& directive)
{
    std::size_t module = 0;
    const DirectiveSpec* spec = findDirective(directive.name, state.modules, &module);
    state.currentModule = module;
    if (!spec) {
        return state.fail("unknown directive " + quoted(directive.name), directive);
    }
    if (!(spec->contexts & scope.context)) {
        return state.fail(quoted(directive.name) + " directive is not allowed here", directive);
    }
    if (!(spec->args & Block) && directive.hasBlock) {
        return state.fail("directive " + quoted(directive.name) + " is not terminated by \";\"",
                          directive);
    }
    if ((spec->args & Block) && !directive.hasBlock) {
        return state.fail("directive " + quoted(directive.name) + " has no opening \"{\"",
                          directive);
    }
    if (!argumentsValid(spec->args, argumentCount(directive))) {
        return state.fail("invalid number of arguments in " + quoted(directive.name) + " directive",
                          directive);
    }
    if (directive.luaBlock && directive.truncated) {
        return state.failParse(); // the Lua block could not be read
    }
    return spec->handler(state, scope, directive, *spec);
}

template <typename T> void inherit(std::optional<T>& value, const std::optional<T>& parent)
{
    if (!value) {
        value = parent;
    }
}

void mergeLocal(LocalConf& conf, const LocalConf& parent)
{
    inherit(conf.clientMaxBodySize, parent.clientMaxBodySize);
    inherit(conf.luaCodeCache, parent.luaCodeCache);
    inherit(conf.rewriteByLua, parent.rewriteByLua);
    inherit(conf.logByLua, parent.logByLua);
    inherit(conf.headerFilterByLua, parent.headerFilterByLua);
    inherit(conf.accessByLua, parent.accessByLua);
    inherit(conf.defaultType, parent.defaultType);
    inherit(conf.types, parent.types);
    inherit(conf.keepaliveTimeoutMs, parent.keepaliveTimeoutMs);
    inherit(conf.clientBodyTimeoutMs, parent.clientBodyTimeoutMs);
    inherit(conf.postponeOutput, parent.postponeOutput);
    inherit(conf.serverTokens, parent.serverTokens);
    inherit(conf.luaHttp10Buffering, parent.luaHttp10Buffering);
    inherit(conf.luaCheckClientAbort, parent.luaCheckClientAbort);
    inherit(conf.luaSocketConnectTimeoutMs, parent.luaSocketConnectTimeoutMs);
    inherit(conf.luaSocketSendTimeoutMs, parent.luaSocketSendTimeoutMs);
    inherit(conf.luaSocketReadTimeoutMs, parent.luaSocketReadTimeoutMs);
    inherit(conf.luaSocketKeepaliveTimeoutMs, parent.luaSocketKeepaliveTimeoutMs);
    inherit(conf.luaSocketPoolSize, parent.luaSocketPoolSize);
    inherit(conf.luaSocketLogErrors, parent.luaSocketLogErrors);
}

void applyDefaults(LocalConf& conf)
{
    LocalConf defaults;
    defaults.clientMaxBodySize = 1024 * 1024;
    defaults.luaCodeCache = true;
    defaults.defaultType = "text/plain";
    // nginx's built-in map when no types{} is configured anywhere.
    defaults.types = std::make_shared<const std::map<std::string, std::string>>(
        std::map<std::string, std::string>{
            {"html", "text/html"}, {"gif", "image/gif"}, {"jpg", "image/jpeg"}});
    defaults.keepaliveTimeoutMs = 75000;
    defaults.clientBodyTimeoutMs = 60000;
    defaults.postponeOutput = 1460;
    defaults.serverTokens = true;
    defaults.luaHttp10Buffering = true;
    defaults.luaCheckClientAbort = false;
    defaults.luaSocketConnectTimeoutMs = 60000;
    defaults.luaSocketSendTimeoutMs = 60000;
    defaults.luaSocketReadTimeoutMs = 60000;
    defaults.luaSocketKeepaliveTimeoutMs = 60000;
    defaults.luaSocketPoolSize = 30;
    defaults.luaSocketLogErrors = true;
    mergeLocal(conf, defaults);
}

void mergeLocations(std::vector<std::unique_ptr<LocationConfig>>& locations,
                    const LocalConf& parent)
{
    for (const auto& location : locations) {
        mergeLocal(location->local, parent);
        mergeLocations(location->locations, location->local);
    }
}

// ngx_http_block's create_*_conf calls: one conf per module for a new block.
void createModuleConfs(const BuildState& state, ModuleConfs& confs, ConfLevel level)
{
    confs.assign(state.modules.size(), nullptr);
    for (std::size_t i = 0; i < state.modules.size(); ++i) {
        if (state.modules[i].create) {
            confs[i] = state.modules[i].create(level);
        }
    }
}

// ngx_http_merge_servers / merge_locations for the modules' confs.
void mergeModuleConfs(const BuildState& state, const ModuleConfs& parent, ModuleConfs& child,
                      ConfLevel level)
{
    for (std::size_t i = 0; i < state.modules.size() && i < child.size(); ++i) {
        if (state.modules[i].merge && parent[i] && child[i]) {
            state.modules[i].merge(parent[i].get(), child[i].get(), level);
        }
    }
}

void mergeModuleLocations(const BuildState& state,
                          std::vector<std::unique_ptr<LocationConfig>>& locations,
                          const ModuleConfs& parent)
{
    for (const auto& location : locations) {
        mergeModuleConfs(state, parent, location->modules, ConfLevel::Location);
        mergeModuleLocations(state, location->locations, location->modules);
    }
}

// What ngx_http_block does once http{} is read: merge every server and location, build
// the location lookups (which finds duplicate locations), check the variables used and
// the server names.
bool finishHttp(BuildState& state, const Directive& http)
{
    HttpState& h = *state.http;
    LocalConf top = h.local;
    applyDefaults(top);
    for (const auto& server : h.servers) {
        ServerConfig& config = *server->config;
        const ServerValues& own = server->values;
        config.clientHeaderTimeoutMs =
            own.clientHeaderTimeoutMs.value_or(h.values.clientHeaderTimeoutMs.value_or(60000));
        config.clientHeaderBufferSize =
            own.clientHeaderBufferSize.value_or(h.values.clientHeaderBufferSize.value_or(1024));
        const auto large = own.largeHeaderBuffers
                               ? own.largeHeaderBuffers
                               : h.values.largeHeaderBuffers.value_or(std::pair{4, 8192});
        config.largeHeaderBuffersNumber = large->first;
        config.largeHeaderBufferSize = large->second;
        if (config.largeHeaderBufferSize < ConnectionPoolSize) {
            // nginx reports merge errors at the line closing http{}.
            return state.failText(
                confErrorText("the \"large_client_header_buffers\" size must be equal to or "
                              "greater than \"connection_pool_size\"",
                              http.blockEnd));
        }
        config.ignoreInvalidHeaders =
            own.ignoreInvalidHeaders.value_or(h.values.ignoreInvalidHeaders.value_or(true));
        config.mergeSlashes = own.mergeSlashes.value_or(h.values.mergeSlashes.value_or(true));
        config.underscoresInHeaders =
            own.underscoresInHeaders.value_or(h.values.underscoresInHeaders.value_or(false));
        if (config.serverNames.empty()) {
            config.serverNames.emplace_back(); // nginx gives every server the name ""
        }
        mergeLocal(config.local, top);
        mergeLocations(config.locations, config.local);
        mergeModuleConfs(state, state.config->http->modules, config.modules, ConfLevel::Server);
        mergeModuleLocations(state, config.locations, config.modules);
    }
    for (const auto& server : h.servers) {
        if (const auto duplicate = indexLocations(*server->config)) {
            return state.failText(
                confErrorText("duplicate location \"" + duplicate->name + "\"", duplicate->where));
        }
    }
    // ngx_http_variables_init_vars: the first unknown one, in order of first use.
    if (state.isVariable) {
        for (const std::string& name : state.variables) {
            if (!state.captureNames.contains(name) && !state.isVariable(name)) {
                return state.failText("unknown \"" + name + "\" variable");
            }
        }
    }
    return finishServerNames(state);
}

} // namespace

bool BuildState::fail(std::string_view message, const Directive& directive, LogLevel level)
{
    return failText(confErrorText(message, directive.where), level);
}

bool BuildState::failText(std::string text, LogLevel level)
{
    error = ConfError{std::move(text), level};
    return false;
}

bool BuildState::failDirective(std::string_view message, const Directive& directive)
{
    if (directive.luaBlock) {
        return fail(message, directive);
    }
    return fail(quoted(directive.name) + " directive " + std::string(message), directive);
}

bool BuildState::failParse()
{
    if (parseError) {
        error = parseError;
    }
    return false;
}

void BuildState::notice(LogLevel level, std::string_view message, const Directive& directive)
{
    messages.push_back({level, confErrorText(message, directive.where), false});
}

void BuildState::ownNotice(LogLevel level, std::string_view message, const Directive& directive)
{
    messages.push_back({level, confErrorText(message, directive.where), true});
}

void noteVariables(BuildState& state, const ComplexValue& value)
{
    for (const ComplexValue::Segment& segment : value.segments()) {
        const bool capture =
            segment.text.size() == 1 && segment.text[0] >= '1' && segment.text[0] <= '9';
        if (segment.variable && !capture &&
            std::find(state.variables.begin(), state.variables.end(), segment.text) ==
                state.variables.end()) {
            state.variables.push_back(segment.text);
        }
    }
}

void noteCaptures(BuildState& state, const Regex& regex)
{
    for (const Regex::NamedGroup& group : regex.namedGroups()) {
        std::string name = group.name;
        for (char& ch : name) {
            ch = static_cast<char>((ch >= 'A' && ch <= 'Z') ? ch - 'A' + 'a' : ch);
        }
        state.captureNames.insert(std::move(name));
    }
}

bool claimSlot(BuildState& state, Scope& scope, std::string_view slot, const Directive& directive)
{
    if (!scope.seen.emplace(slot).second) {
        return state.failDirective("is duplicate", directive);
    }
    return true;
}

std::size_t argumentCount(const Directive& directive)
{
    return directive.args.size() - (directive.luaBlock ? 1 : 0);
}

bool walkBlock(BuildState& state, Scope& scope, const std::vector<Directive>& directives)
{
    for (const Directive& directive : directives) {
        if (!handleDirective(state, scope, directive)) {
            return false;
        }
    }
    return true;
}

bool handleEvents(BuildState& state, Scope&, const Directive& directive, const DirectiveSpec&)
{
    if (state.sawEvents) {
        return state.failDirective("is duplicate", directive);
    }
    state.sawEvents = true;
    state.modulesUsed = true;
    Scope events;
    events.context = EventsContext;
    if (!walkBlock(state, events, directive.block)) {
        return false;
    }
    return directive.truncated ? state.failParse() : true;
}

bool handleHttp(BuildState& state, Scope&, const Directive& directive, const DirectiveSpec&)
{
    if (state.config->http) {
        return state.failDirective("is duplicate", directive);
    }
    state.modulesUsed = true;
    state.config->http = std::make_unique<HttpConfig>();
    state.http = std::make_unique<HttpState>();
    Scope http;
    http.context = HttpContext;
    http.local = &state.http->local;
    createModuleConfs(state, state.config->http->modules, ConfLevel::Http);
    http.modules = &state.config->http->modules;
    if (!walkBlock(state, http, directive.block)) {
        return false;
    }
    if (directive.truncated) {
        return state.failParse();
    }
    return finishHttp(state, directive);
}

bool handleServer(BuildState& state, Scope&, const Directive& directive, const DirectiveSpec&)
{
    auto config = std::make_unique<ServerConfig>();
    config->where = directive.where;
    auto server = std::make_unique<ServerState>();
    server->config = config.get();
    ServerState& current = *server;
    state.config->http->servers.push_back(std::move(config));
    state.http->servers.push_back(std::move(server));

    Scope scope;
    scope.context = ServerContext;
    scope.local = &current.config->local;
    scope.server = &current;
    createModuleConfs(state, current.config->modules, ConfLevel::Server);
    scope.modules = &current.config->modules;
    if (!walkBlock(state, scope, directive.block)) {
        return false;
    }
    if (directive.truncated) {
        return state.failParse();
    }
    if (!current.hasListen) {
        // nginx's implicit listen: *:80 for root, *:8000 otherwise.
        ListenAddress implicit;
        implicit.address = "0.0.0.0";
        implicit.port = ::getuid() == 0 ? 80 : 8000;
        implicit.implicit = true;
        current.config->listen.push_back(implicit);
        return addListen(state, current, implicit, false, nullptr);
    }
    return true;
}

bool handleLocation(BuildState& state, Scope& scope, const Directive& directive,
                    const DirectiveSpec&)
{
    auto location = std::make_unique<LocationConfig>();
    location->where = directive.where;
    std::string name;
    bool regex = false;
    bool caseless = false;
    if (directive.args.size() == 2) {
        const std::string& modifier = directive.args[0];
        name = directive.args[1];
        if (modifier == "=") {
            location->match = LocationMatch::Exact;
        } else if (modifier == "^~") {
            location->match = LocationMatch::PrefixNoRegex;
        } else if (modifier == "~") {
            regex = true;
        } else if (modifier == "~*") {
            regex = caseless = true;
        } else {
            return state.fail("invalid location modifier " + quoted(modifier), directive);
        }
    } else {
        name = directive.args[0];
        if (name.starts_with('=')) {
            location->match = LocationMatch::Exact;
            name.erase(0, 1);
        } else if (name.starts_with("^~")) {
            location->match = LocationMatch::PrefixNoRegex;
            name.erase(0, 2);
        } else if (name.starts_with('~')) {
            regex = true;
            caseless = name.size() > 1 && name[1] == '*';
            name.erase(0, caseless ? 2 : 1);
        } else if (name.starts_with('@')) {
            location->match = LocationMatch::Named;
        }
    }
    if (regex) {
        std::string error;
        location->regex =
            Regex::compile(name, caseless ? Regex::Caseless : Regex::NoOptions, &error);
        if (!location->regex) {
            return state.fail(error, directive);
        }
        noteCaptures(state, *location->regex);
        location->match = caseless ? LocationMatch::RegexCaseless : LocationMatch::Regex;
    }
    location->pattern = name;

    LocationConfig* parent = scope.context == LocationContext ? scope.location : nullptr;
    if (parent) {
        const std::string child = quoted(location->pattern);
        const std::string outer = quoted(parent->pattern);
        if (parent->match == LocationMatch::Exact) {
            return state.fail("location " + child + " cannot be inside the exact location " + outer,
                              directive);
        }
        if (parent->match == LocationMatch::Named) {
            return state.fail("location " + child + " cannot be inside the named location " + outer,
                              directive);
        }
        if (location->match == LocationMatch::Named) {
            return state.fail("named location " + child + " can be on the server level only",
                              directive);
        }
        if (!location->regex && !location->pattern.starts_with(parent->pattern)) {
            return state.fail("location " + child + " is outside location " + outer, directive);
        }
    }

    LocationConfig& current = *location;
    auto& siblings = parent ? parent->locations : scope.server->config->locations;
    siblings.push_back(std::move(location));

    Scope inner;
    inner.context = LocationContext;
    inner.local = &current.local;
    inner.server = scope.server;
    inner.location = &current;
    createModuleConfs(state, current.modules, ConfLevel::Location);
    inner.modules = &current.modules;
    if (!walkBlock(state, inner, directive.block)) {
        return false;
    }
    return directive.truncated ? state.failParse() : true;
}

bool handleTypes(BuildState& state, Scope& scope, const Directive& directive, const DirectiveSpec&)
{
    // Each line is "type extension...;". restyscope serves no files, so the map is only
    // checked the way nginx checks it.
    for (const Directive& entry : directive.block) {
        for (std::string extension : entry.args) {
            for (char& ch : extension) {
                if (ch >= 'A' && ch <= 'Z') {
                    ch = static_cast<char>(ch - 'A' + 'a');
                }
            }
            auto [it, added] = scope.mimeTypes.emplace(extension, entry.name);
            if (!added) {
                state.notice(LogLevel::Warn,
                             "duplicate extension " + quoted(extension) +
                                 ", content type: " + quoted(entry.name) +
                                 ", previous content type: " + quoted(it->second),
                             entry);
                it->second = entry.name;
            }
        }
    }
    if (scope.local) {
        scope.local->types =
            std::make_shared<const std::map<std::string, std::string>>(scope.mimeTypes);
    }
    return directive.truncated ? state.failParse() : true;
}

} // namespace detail

LoadResult buildConfig(const ParseResult& parsed, const std::string& prefix,
                       const std::string& confFile, const VariableCheck& isVariable,
                       std::span<const ModuleConfHooks> modules)
{
    detail::BuildState state;
    state.isVariable = isVariable;
    state.modules = modules;
    state.prefix = prefix;
    state.confPrefix = confFile.substr(0, confFile.rfind('/') + 1);
    state.config = std::make_unique<Config>();
    state.config->prefix = prefix;
    state.config->confFile = confFile;
    state.parseError = parsed.error;

    LoadResult result;
    detail::Scope main;
    main.context = detail::MainContext;
    bool ok = detail::walkBlock(state, main, parsed.directives);
    if (ok && parsed.error) {
        ok = state.failParse();
    }
    if (ok) {
        // nginx -t says "syntax is ok" here; what follows are the core modules' checks.
        result.syntaxOk = true;
        if (!state.sawEvents) {
            ok = state.failText("no \"events\" section in configuration");
        }
    }
    result.messages = std::move(state.messages);
    if (!ok) {
        result.error = state.error ? state.error->text : std::string("configuration failed");
        result.errorLevel = state.error ? state.error->level : LogLevel::Emerg;
        return result;
    }
    Config& config = *state.config;
    if (config.errorLogPath != "stderr" && !config.errorLogPath.starts_with('/')) {
        config.errorLogPath = prefix + config.errorLogPath;
    }
    if (!config.pidPath.empty() && !config.pidPath.starts_with('/')) {
        config.pidPath = prefix + config.pidPath;
    }
    result.config = std::move(state.config);
    return result;
}

LoadResult loadConfig(const std::string& prefix, const std::string& confPath,
                      const VariableCheck& isVariable)
{
    return loadConfig(prefix, confPath, {}, isVariable);
}

LoadResult loadConfig(const std::string& prefixArg, const std::string& confPath,
                      std::span<const ModuleConfHooks> modules, const VariableCheck& isVariable)
{
    std::string prefix = prefixArg.empty() ? std::string("./") : prefixArg;
    if (!prefix.starts_with('/')) {
        char cwd[4096];
        if (::getcwd(cwd, sizeof cwd)) {
            prefix = std::string(cwd) + "/" + prefix;
        }
    }
    if (!prefix.ends_with('/')) {
        prefix += '/';
    }
    const std::string confFile = confPath.starts_with('/') ? confPath : prefix + confPath;
    const std::string confPrefix = confFile.substr(0, confFile.rfind('/') + 1);
    return buildConfig(parseConfFile(confFile, confPrefix), prefix, confFile, isVariable, modules);
}

} // namespace restyscope::engine::conf
