// Design: the directive table of nginx's core, events and http modules that restyscope
// knows, with nginx's contexts and argument rules, and the handlers that store or check
// their values. Directives restyscope accepts without acting on them still get nginx's
// value checks, so a conf nginx rejects is rejected here too.

#include "engine/conf/buildstate.h"
#include "engine/conf/values.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

namespace restyscope::engine::conf::detail {

namespace {

constexpr unsigned AnyHttp = HttpContext | ServerContext | LocationContext;

} // namespace

bool parseFlag(BuildState& state, const Directive& directive, bool& value)
{
    const std::string& text = directive.args[0];
    if (equalsIgnoreCase(text, "on")) {
        value = true;
        return true;
    }
    if (equalsIgnoreCase(text, "off")) {
        value = false;
        return true;
    }
    return state.fail("invalid value " + quoted(text) + " in " + quoted(directive.name) +
                          " directive, it must be \"on\" or \"off\"",
                      directive);
}

bool checkValue(BuildState& state, const Directive& directive, ValueKind kind)
{
    const std::string& value = directive.args.empty() ? std::string() : directive.args[0];
    bool flag = false;
    switch (kind) {
    case ValueKind::Any:
    case ValueKind::String: return true;
    case ValueKind::Flag: return parseFlag(state, directive, flag);
    case ValueKind::Number:
        return parseNumber(value) ? true : state.failDirective("invalid number", directive);
    case ValueKind::Size:
        return parseSize(value) ? true : state.failDirective("invalid value", directive);
    case ValueKind::Offset:
        return parseOffset(value) ? true : state.failDirective("invalid value", directive);
    case ValueKind::Msec:
        return parseTime(value) ? true : state.failDirective("invalid value", directive);
    case ValueKind::Sec:
        return parseTime(value, true) ? true : state.failDirective("invalid value", directive);
    case ValueKind::ServerTokens:
        if (equalsIgnoreCase(value, "on") || equalsIgnoreCase(value, "off") ||
            equalsIgnoreCase(value, "build")) {
            return true;
        }
        return state.fail("invalid value " + quoted(value), directive);
    }
    return true;
}

namespace {

ServerValues& serverValues(BuildState& state, Scope& scope)
{
    return scope.server ? scope.server->values : state.http->values;
}

} // namespace

bool ignore(BuildState& state, Scope& scope, const Directive& directive, const DirectiveSpec& spec)
{
    if (spec.duplicateCheck && !claimSlot(state, scope, directive.name, directive)) {
        return false;
    }
    if (!checkValue(state, directive, spec.kind)) {
        return false;
    }
    state.ownNotice(LogLevel::Info, quoted(directive.name) + " directive is ignored by restyscope",
                    directive);
    return true;
}

namespace {

// Like ignore(), for directives whose effect a client could see: said at warn level.
bool ignoreVisible(BuildState& state, Scope& scope, const Directive& directive,
                   const DirectiveSpec& spec)
{
    if (spec.duplicateCheck && !claimSlot(state, scope, directive.name, directive)) {
        return false;
    }
    if (!checkValue(state, directive, spec.kind)) {
        return false;
    }
    state.ownNotice(LogLevel::Warn,
                    quoted(directive.name) + " directive is not implemented by restyscope, ignored",
                    directive);
    return true;
}

bool handlePid(BuildState& state, Scope& scope, const Directive& directive, const DirectiveSpec&)
{
    if (!claimSlot(state, scope, "pid", directive)) {
        return false;
    }
    state.config->pidPath = directive.args[0];
    return true;
}

bool handleWorkerProcesses(BuildState& state, Scope& scope, const Directive& directive,
                           const DirectiveSpec&)
{
    if (!claimSlot(state, scope, "worker_processes", directive)) {
        return false;
    }
    if (directive.args[0] != "auto" && !parseNumber(directive.args[0])) {
        return state.failDirective("invalid value", directive);
    }
    state.ownNotice(LogLevel::Info, "\"worker_processes\" directive is ignored by restyscope",
                    directive);
    return true;
}

bool handleLoadModule(BuildState& state, Scope& scope, const Directive& directive,
                      const DirectiveSpec& spec)
{
    if (state.modulesUsed) {
        return state.failDirective("is specified too late", directive);
    }
    return ignore(state, scope, directive, spec);
}

bool handleUser(BuildState& state, Scope& scope, const Directive& directive, const DirectiveSpec&)
{
    // nginx only records the user as root, so only then is a second one a duplicate.
    if (::geteuid() != 0) {
        state.notice(LogLevel::Warn,
                     "the \"user\" directive makes sense only if the master process runs with "
                     "super-user privileges, ignored",
                     directive);
        return true;
    }
    if (!claimSlot(state, scope, "user", directive)) {
        return false;
    }
    auto withErrno = [](std::string message) {
        if (errno) {
            message += " (" + std::to_string(errno) + ": " + std::strerror(errno) + ")";
        }
        return message;
    };
    errno = 0;
    if (!::getpwnam(directive.args[0].c_str())) {
        return state.fail(withErrno("getpwnam(\"" + directive.args[0] + "\") failed"), directive);
    }
    const std::string& group = directive.args.size() == 2 ? directive.args[1] : directive.args[0];
    errno = 0;
    if (!::getgrnam(group.c_str())) {
        return state.fail(withErrno("getgrnam(\"" + group + "\") failed"), directive);
    }
    state.ownNotice(LogLevel::Info, "\"user\" directive is ignored by restyscope", directive);
    return true;
}

bool handleErrorLog(BuildState& state, Scope& scope, const Directive& directive,
                    const DirectiveSpec&)
{
    static constexpr std::array<std::string_view, 8> levels = {"emerg", "alert",  "crit", "error",
                                                               "warn",  "notice", "info", "debug"};
    static constexpr std::array<std::string_view, 7> debugLevels = {
        "debug_core", "debug_alloc", "debug_mutex", "debug_event",
        "debug_http", "debug_mail",  "debug_stream"};

    LogLevel level = LogLevel::Error;
    bool levelSet = false;
    bool debugSet = false;
    for (std::size_t i = 1; i < directive.args.size(); ++i) {
        const std::string& arg = directive.args[i];
        const auto named = std::find(levels.begin(), levels.end(), arg);
        if (named != levels.end()) {
            if (levelSet || debugSet) {
                return state.fail("duplicate log level " + quoted(arg), directive);
            }
            level = static_cast<LogLevel>(static_cast<int>(LogLevel::Emerg) -
                                          static_cast<int>(named - levels.begin()));
            levelSet = true;
            continue;
        }
        if (std::find(debugLevels.begin(), debugLevels.end(), arg) != debugLevels.end()) {
            if (levelSet) {
                return state.fail("invalid log level " + quoted(arg), directive);
            }
            level = LogLevel::Debug;
            debugSet = true;
            continue;
        }
        return state.fail("invalid log level " + quoted(arg), directive);
    }

    const std::string& target = directive.args[0];
    if (scope.context != MainContext || state.mainErrorLogSet || target.starts_with("syslog:") ||
        target.starts_with("memory:")) {
        state.ownNotice(LogLevel::Info,
                        "only the first main-level \"error_log\" to a file or stderr is used by "
                        "restyscope",
                        directive);
        return true;
    }
    state.mainErrorLogSet = true;
    state.config->errorLogPath = target;
    state.config->errorLogLevel = level;
    return true;
}

bool handleWorkerConnections(BuildState& state, Scope& scope, const Directive& directive,
                             const DirectiveSpec& spec)
{
    if (!claimSlot(state, scope, "worker_connections", directive)) {
        return false;
    }
    if (!parseNumber(directive.args[0])) {
        return state.fail("invalid number " + quoted(directive.args[0]), directive);
    }
    return ignore(state, scope, directive, spec);
}

bool handleUse(BuildState& state, Scope& scope, const Directive& directive,
               const DirectiveSpec& spec)
{
    if (!claimSlot(state, scope, "use", directive)) {
        return false;
    }
    const std::string& type = directive.args[0];
    if (type != "epoll" && type != "poll" && type != "select") {
        return state.fail("invalid event type " + quoted(type), directive);
    }
    return ignore(state, scope, directive, spec);
}

bool handleDefaultType(BuildState& state, Scope& scope, const Directive& directive,
                       const DirectiveSpec&)
{
    if (!claimSlot(state, scope, "default_type", directive)) {
        return false;
    }
    scope.local->defaultType = directive.args[0];
    return true;
}

bool handleClientMaxBodySize(BuildState& state, Scope& scope, const Directive& directive,
                             const DirectiveSpec&)
{
    if (!claimSlot(state, scope, "client_max_body_size", directive)) {
        return false;
    }
    const auto size = parseOffset(directive.args[0]);
    if (!size) {
        return state.failDirective("invalid value", directive);
    }
    scope.local->clientMaxBodySize = static_cast<std::uint64_t>(*size);
    return true;
}

bool handleClientBodyTimeout(BuildState& state, Scope& scope, const Directive& directive,
                             const DirectiveSpec&)
{
    if (!claimSlot(state, scope, "client_body_timeout", directive)) {
        return false;
    }
    const auto ms = parseTime(directive.args[0]);
    if (!ms) {
        return state.failDirective("invalid value", directive);
    }
    scope.local->clientBodyTimeoutMs = static_cast<std::uint64_t>(*ms);
    return true;
}

bool handleKeepaliveTimeout(BuildState& state, Scope& scope, const Directive& directive,
                            const DirectiveSpec&)
{
    if (!claimSlot(state, scope, "keepalive_timeout", directive)) {
        return false;
    }
    const auto ms = parseTime(directive.args[0]);
    if (!ms) {
        return state.failDirective("invalid value", directive);
    }
    scope.local->keepaliveTimeoutMs = static_cast<std::uint64_t>(*ms);
    if (directive.args.size() == 2) {
        if (!parseTime(directive.args[1], true)) {
            return state.failDirective("invalid value", directive);
        }
        state.ownNotice(LogLevel::Info,
                        "the \"Keep-Alive: timeout\" header time of \"keepalive_timeout\" is "
                        "ignored by restyscope",
                        directive);
    }
    return true;
}

bool handlePostponeOutput(BuildState& state, Scope& scope, const Directive& directive,
                          const DirectiveSpec&)
{
    if (!claimSlot(state, scope, "postpone_output", directive)) {
        return false;
    }
    const auto size = parseSize(directive.args[0]);
    if (!size) {
        return state.failDirective("invalid value", directive);
    }
    scope.local->postponeOutput = static_cast<std::size_t>(*size);
    return true;
}

bool handleServerTokens(BuildState& state, Scope& scope, const Directive& directive,
                        const DirectiveSpec&)
{
    if (!claimSlot(state, scope, "server_tokens", directive)) {
        return false;
    }
    if (!checkValue(state, directive, ValueKind::ServerTokens)) {
        return false;
    }
    scope.local->serverTokens = !equalsIgnoreCase(directive.args[0], "off");
    return true;
}

bool handleClientHeaderTimeout(BuildState& state, Scope& scope, const Directive& directive,
                               const DirectiveSpec&)
{
    if (!claimSlot(state, scope, "client_header_timeout", directive)) {
        return false;
    }
    const auto ms = parseTime(directive.args[0]);
    if (!ms) {
        return state.failDirective("invalid value", directive);
    }
    serverValues(state, scope).clientHeaderTimeoutMs = static_cast<std::uint64_t>(*ms);
    return true;
}

bool handleClientHeaderBufferSize(BuildState& state, Scope& scope, const Directive& directive,
                                  const DirectiveSpec&)
{
    if (!claimSlot(state, scope, "client_header_buffer_size", directive)) {
        return false;
    }
    const auto size = parseSize(directive.args[0]);
    if (!size) {
        return state.failDirective("invalid value", directive);
    }
    serverValues(state, scope).clientHeaderBufferSize = static_cast<std::size_t>(*size);
    return true;
}

bool handleLargeHeaderBuffers(BuildState& state, Scope& scope, const Directive& directive,
                              const DirectiveSpec&)
{
    if (!claimSlot(state, scope, "large_client_header_buffers", directive)) {
        return false;
    }
    const auto number = parseNumber(directive.args[0]);
    if (!number || *number == 0) {
        return state.failDirective("invalid value", directive);
    }
    const auto size = parseSize(directive.args[1]);
    if (!size || *size == 0) {
        return state.failDirective("invalid value", directive);
    }
    serverValues(state, scope).largeHeaderBuffers =
        std::pair{static_cast<std::size_t>(*number), static_cast<std::size_t>(*size)};
    return true;
}

bool handleServerFlag(BuildState& state, Scope& scope, const Directive& directive,
                      const DirectiveSpec&)
{
    if (!claimSlot(state, scope, directive.name, directive)) {
        return false;
    }
    bool value = false;
    if (!parseFlag(state, directive, value)) {
        return false;
    }
    ServerValues& values = serverValues(state, scope);
    if (directive.name == "merge_slashes") {
        values.mergeSlashes = value;
    } else if (directive.name == "ignore_invalid_headers") {
        values.ignoreInvalidHeaders = value;
    } else {
        values.underscoresInHeaders = value;
    }
    return true;
}

bool handleReturn(BuildState& state, Scope& scope, const Directive& directive, const DirectiveSpec&)
{
    const std::string& code = directive.args[0];
    ReturnAction action;
    const std::string* text = nullptr;
    if (const auto status = parseNumber(code)) {
        if (*status > 999) {
            return state.fail("invalid return code " + quoted(code), directive);
        }
        action.status = static_cast<int>(*status);
        if (directive.args.size() == 2) {
            text = &directive.args[1];
        }
    } else if (directive.args.size() == 1 &&
               (code.starts_with("http://") || code.starts_with("https://") ||
                code.starts_with("$scheme"))) {
        action.status = 302;
        text = &code;
    } else {
        return state.fail("invalid return code " + quoted(code), directive);
    }
    if (text) {
        std::string error;
        auto value = ComplexValue::compile(*text, &error);
        if (!value) {
            return state.fail(error, directive);
        }
        noteVariables(state, *value);
        action.text = std::move(*value);
    }
    // Later returns in the same block are compiled but never run: the first one ends the
    // rewrite phase.
    auto& slot = scope.location ? scope.location->returnAction : scope.server->config->returnAction;
    if (!slot) {
        slot = std::move(action);
    }
    return true;
}

constexpr DirectiveSpec coreDirectives[] = {
    // core module (main context)
    {"daemon", MainContext, Flag, ignore, ValueKind::Flag, true},
    {"master_process", MainContext, Flag, ignore, ValueKind::Flag, true},
    {"worker_processes", MainContext, Take1, handleWorkerProcesses},
    {"pid", MainContext, Take1, handlePid},
    {"user", MainContext, Take12, handleUser},
    {"worker_rlimit_nofile", MainContext, Take1, ignore, ValueKind::Number, true},
    {"worker_rlimit_core", MainContext, Take1, ignore, ValueKind::Offset, true},
    {"worker_shutdown_timeout", MainContext, Take1, ignore, ValueKind::Msec, true},
    {"timer_resolution", MainContext, Take1, ignore, ValueKind::Msec, true},
    {"working_directory", MainContext, Take1, ignore, ValueKind::String, true},
    {"pcre_jit", MainContext, Flag, ignore, ValueKind::Flag, true},
    {"env", MainContext, Take1, ignore},
    {"load_module", MainContext, Take1, handleLoadModule},
    {"error_log", MainContext | AnyHttp, OneOrMore, handleErrorLog},
    {"events", MainContext, Block | NoArgs, handleEvents},
    {"http", MainContext, Block | NoArgs, handleHttp},
    // events module
    {"worker_connections", EventsContext, Take1, handleWorkerConnections},
    {"use", EventsContext, Take1, handleUse},
    {"multi_accept", EventsContext, Flag, ignore, ValueKind::Flag, true},
    {"accept_mutex", EventsContext, Flag, ignore, ValueKind::Flag, true},
    {"accept_mutex_delay", EventsContext, Take1, ignore, ValueKind::Msec, true},
    {"worker_aio_requests", EventsContext, Take1, ignore, ValueKind::Number, true},
    {"debug_connection", EventsContext, Take1, ignore},
    // http core module
    {"server", HttpContext, Block | NoArgs, handleServer},
    {"location", ServerContext | LocationContext, Block | Take12, handleLocation},
    {"types", AnyHttp, Block | NoArgs, handleTypes},
    {"listen", ServerContext, OneOrMore, handleListen},
    {"server_name", ServerContext, OneOrMore, handleServerName},
    {"default_type", AnyHttp, Take1, handleDefaultType},
    {"client_max_body_size", AnyHttp, Take1, handleClientMaxBodySize},
    {"client_body_timeout", AnyHttp, Take1, handleClientBodyTimeout},
    {"client_header_timeout", HttpContext | ServerContext, Take1, handleClientHeaderTimeout},
    {"client_header_buffer_size", HttpContext | ServerContext, Take1, handleClientHeaderBufferSize},
    {"large_client_header_buffers", HttpContext | ServerContext, Take2, handleLargeHeaderBuffers},
    {"keepalive_timeout", AnyHttp, Take12, handleKeepaliveTimeout},
    {"postpone_output", AnyHttp, Take1, handlePostponeOutput},
    {"server_tokens", AnyHttp, Take1, handleServerTokens},
    {"merge_slashes", HttpContext | ServerContext, Flag, handleServerFlag},
    {"ignore_invalid_headers", HttpContext | ServerContext, Flag, handleServerFlag},
    {"underscores_in_headers", HttpContext | ServerContext, Flag, handleServerFlag},
    {"sendfile", AnyHttp, Flag, ignore, ValueKind::Flag, true},
    {"tcp_nopush", AnyHttp, Flag, ignore, ValueKind::Flag, true},
    {"tcp_nodelay", AnyHttp, Flag, ignore, ValueKind::Flag, true},
    {"keepalive_requests", AnyHttp, Take1, ignore, ValueKind::Number, true},
    {"keepalive_time", AnyHttp, Take1, ignore, ValueKind::Msec, true},
    {"send_timeout", AnyHttp, Take1, ignore, ValueKind::Msec, true},
    {"client_body_buffer_size", AnyHttp, Take1, ignore, ValueKind::Size, true},
    {"reset_timedout_connection", AnyHttp, Flag, ignore, ValueKind::Flag, true},
    {"server_names_hash_max_size", HttpContext, Take1, ignore, ValueKind::Number, true},
    {"server_names_hash_bucket_size", HttpContext, Take1, ignore, ValueKind::Number, true},
    {"variables_hash_max_size", HttpContext, Take1, ignore, ValueKind::Number, true},
    {"variables_hash_bucket_size", HttpContext, Take1, ignore, ValueKind::Number, true},
    {"types_hash_max_size", AnyHttp, Take1, ignore, ValueKind::Number, true},
    {"types_hash_bucket_size", AnyHttp, Take1, ignore, ValueKind::Number, true},
    {"absolute_redirect", AnyHttp, Flag, ignoreVisible, ValueKind::Flag, true},
    {"port_in_redirect", AnyHttp, Flag, ignoreVisible, ValueKind::Flag, true},
    {"server_name_in_redirect", AnyHttp, Flag, ignoreVisible, ValueKind::Flag, true},
    {"root", AnyHttp, Take1, ignoreVisible, ValueKind::String, true},
    {"index", AnyHttp, OneOrMore, ignoreVisible},
    {"error_page", AnyHttp, TwoOrMore, ignoreVisible},
    // log, charset and gzip modules
    {"access_log", AnyHttp, OneOrMore, ignore},
    {"log_format", HttpContext, TwoOrMore, ignore},
    {"charset", AnyHttp, Take1, ignoreVisible},
    {"gzip", AnyHttp, Flag, ignoreVisible, ValueKind::Flag, true},
    {"gzip_vary", AnyHttp, Flag, ignoreVisible, ValueKind::Flag, true},
    {"gzip_comp_level", AnyHttp, Take1, ignoreVisible, ValueKind::Number, true},
    {"gzip_min_length", AnyHttp, Take1, ignoreVisible, ValueKind::Size, true},
    {"gzip_buffers", AnyHttp, Take2, ignoreVisible},
    {"gzip_types", AnyHttp, OneOrMore, ignoreVisible},
    {"gzip_proxied", AnyHttp, OneOrMore, ignoreVisible},
    {"gzip_disable", AnyHttp, OneOrMore, ignoreVisible},
    {"gzip_http_version", AnyHttp, Take1, ignoreVisible},
    // rewrite module
    {"return", ServerContext | LocationContext, Take12, handleReturn},
};

} // namespace

const DirectiveSpec* findDirective(std::string_view name, std::span<const ModuleConfHooks> modules,
                                   std::size_t* module)
{
    for (const DirectiveSpec& spec : coreDirectives) {
        if (spec.name == name) {
            return &spec;
        }
    }
    for (const DirectiveSpec& spec : luaDirectives()) {
        if (spec.name == name) {
            return &spec;
        }
    }
    for (std::size_t i = 0; i < modules.size(); ++i) {
        for (const DirectiveSpec& spec : modules[i].directives) {
            if (spec.name == name) {
                if (module) {
                    *module = i;
                }
                return &spec;
            }
        }
    }
    return nullptr;
}

} // namespace restyscope::engine::conf::detail
