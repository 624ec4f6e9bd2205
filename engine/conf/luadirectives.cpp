// Design: lua-nginx-module's directives (v0.10.23) with its contexts and checks. The
// handlers restyscope runs (init, rewrite, access, content) are stored as LuaHandler;
// the others are read and checked like nginx does, then reported as not supported.

#include "engine/conf/buildstate.h"
#include "engine/conf/values.h"

namespace restyscope::engine::conf::detail {

namespace {

constexpr unsigned AnyHttp = HttpContext | ServerContext | LocationContext;

// "content_by_lua_block" -> "content_by_lua"
std::string handlerTag(std::string_view name)
{
    for (std::string_view suffix : {std::string_view("_block"), std::string_view("_file")}) {
        if (name.ends_with(suffix)) {
            name.remove_suffix(suffix.size());
        }
    }
    return std::string(name);
}

// Reads a *_by_lua, *_by_lua_block or *_by_lua_file directive into `handler`. `filePath`
// tells how a _file path is taken: with nginx variables, or literally (init_by_lua_file).
enum class FilePath { Variables, Literal };
bool readHandler(BuildState& state, const Directive& directive, LuaHandler& handler,
                 FilePath filePath)
{
    const std::string& value = directive.args.back();
    if (value.empty()) {
        return state.fail("invalid location config: no runnable Lua code", directive,
                          LogLevel::Error);
    }
    handler.tag = handlerTag(directive.name);
    handler.where = directive.where;
    if (directive.luaBlock) {
        handler.form = LuaHandler::Form::Block;
        handler.code = value;
    } else if (directive.name.ends_with("_file")) {
        handler.form = LuaHandler::Form::File;
        if (filePath == FilePath::Literal) {
            handler.path = ComplexValue::literal(value);
        } else {
            std::string error;
            auto path = ComplexValue::compile(value, &error);
            if (!path) {
                return state.fail(error, directive);
            }
            noteVariables(state, *path);
            handler.path = std::move(*path);
        }
    } else {
        handler.form = LuaHandler::Form::String;
        handler.code = value;
    }
    return true;
}

bool handleInitByLua(BuildState& state, Scope& scope, const Directive& directive,
                     const DirectiveSpec&)
{
    if (!claimSlot(state, scope, "init_by_lua", directive)) {
        return false;
    }
    LuaHandler handler;
    if (!readHandler(state, directive, handler, FilePath::Literal)) {
        return false;
    }
    state.config->http->initByLua = std::move(handler);
    return true;
}

bool handlePhaseByLua(BuildState& state, Scope& scope, const Directive& directive,
                      const DirectiveSpec&)
{
    const std::string tag = handlerTag(directive.name);
    if (!claimSlot(state, scope, tag, directive)) {
        return false;
    }
    LuaHandler handler;
    if (!readHandler(state, directive, handler, FilePath::Variables)) {
        return false;
    }
    if (tag == "rewrite_by_lua") {
        scope.local->rewriteByLua = std::move(handler);
    } else if (tag == "access_by_lua") {
        scope.local->accessByLua = std::move(handler);
    } else if (tag == "log_by_lua") {
        scope.local->logByLua = std::move(handler);
    } else if (tag == "header_filter_by_lua") {
        scope.local->headerFilterByLua = std::move(handler);
    } else {
        scope.location->contentByLua = std::move(handler);
    }
    return true;
}

// Handlers of phases restyscope does not run yet: checked as nginx checks them.
bool handleUnsupportedByLua(BuildState& state, Scope& scope, const Directive& directive,
                            const DirectiveSpec&)
{
    const std::string tag = handlerTag(directive.name);
    // set_by_lua may appear many times; the others are one per block.
    if (tag != "set_by_lua" && !claimSlot(state, scope, tag, directive)) {
        return false;
    }
    LuaHandler handler;
    const bool literal = tag == "init_worker_by_lua" || tag == "exit_worker_by_lua";
    if (!readHandler(state, directive, handler,
                     literal ? FilePath::Literal : FilePath::Variables)) {
        return false;
    }
    state.ownNotice(LogLevel::Warn,
                    quoted(directive.name) + " directive is not supported by restyscope, ignored",
                    directive);
    return true;
}

bool handleCodeCache(BuildState& state, Scope& scope, const Directive& directive,
                     const DirectiveSpec&)
{
    bool on = true;
    if (!claimSlot(state, scope, "lua_code_cache", directive) || !parseFlag(state, directive, on)) {
        return false;
    }
    if (!on) {
        state.notice(LogLevel::Alert, "lua_code_cache is off; this will hurt performance",
                     directive);
    }
    scope.local->luaCodeCache = on;
    return true;
}

bool handleHttp10Buffering(BuildState& state, Scope& scope, const Directive& directive,
                           const DirectiveSpec&)
{
    bool on = true;
    if (!claimSlot(state, scope, "lua_http10_buffering", directive) ||
        !parseFlag(state, directive, on)) {
        return false;
    }
    scope.local->luaHttp10Buffering = on;
    return true;
}

// lua_socket_connect/send/read/keepalive_timeout, lua_socket_pool_size and
// lua_socket_log_errors: what the cosockets of the location use.
bool handleSocketSetting(BuildState& state, Scope& scope, const Directive& directive,
                         const DirectiveSpec&)
{
    if (!claimSlot(state, scope, directive.name, directive)) {
        return false;
    }
    LocalConf& local = *scope.local;
    if (directive.name == "lua_socket_log_errors") {
        bool on = true;
        if (!parseFlag(state, directive, on)) {
            return false;
        }
        local.luaSocketLogErrors = on;
        return true;
    }
    if (directive.name == "lua_socket_pool_size") {
        const auto size = parseNumber(directive.args[0]);
        if (!size) {
            return state.failDirective("invalid number", directive);
        }
        local.luaSocketPoolSize = static_cast<std::uint64_t>(*size);
        return true;
    }
    const auto ms = parseTime(directive.args[0]);
    if (!ms) {
        return state.failDirective("invalid value", directive);
    }
    const auto value = static_cast<std::uint64_t>(*ms);
    if (directive.name == "lua_socket_connect_timeout") {
        local.luaSocketConnectTimeoutMs = value;
    } else if (directive.name == "lua_socket_send_timeout") {
        local.luaSocketSendTimeoutMs = value;
    } else if (directive.name == "lua_socket_read_timeout") {
        local.luaSocketReadTimeoutMs = value;
    } else {
        local.luaSocketKeepaliveTimeoutMs = value;
    }
    return true;
}

bool handleCheckClientAbort(BuildState& state, Scope& scope, const Directive& directive,
                            const DirectiveSpec&)
{
    bool on = false;
    if (!claimSlot(state, scope, "lua_check_client_abort", directive) ||
        !parseFlag(state, directive, on)) {
        return false;
    }
    scope.local->luaCheckClientAbort = on;
    return true;
}

bool handlePackagePath(BuildState& state, Scope& scope, const Directive& directive,
                       const DirectiveSpec&)
{
    if (!claimSlot(state, scope, directive.name, directive)) {
        return false;
    }
    auto& paths = directive.name == "lua_package_path" ? state.config->http->luaPackagePath
                                                       : state.config->http->luaPackageCpath;
    paths.push_back(directive.args[0]);
    return true;
}

bool handleSharedDict(BuildState& state, Scope&, const Directive& directive, const DirectiveSpec&)
{
    const std::string& name = directive.args[0];
    if (name.empty()) {
        return state.fail("invalid lua shared dict name " + quoted(name), directive);
    }
    const auto size = parseSize(directive.args[1]);
    if (!size || *size <= 8191) {
        return state.fail("invalid lua shared dict size " + quoted(directive.args[1]), directive);
    }
    auto& dicts = state.config->http->sharedDicts;
    for (const HttpConfig::SharedDict& dict : dicts) {
        if (dict.name != name) {
            continue;
        }
        if (dict.size != static_cast<std::uint64_t>(*size)) {
            return state.fail("the size " + std::to_string(*size) + " of shared memory zone " +
                                  quoted(name) + " conflicts with already declared size " +
                                  std::to_string(dict.size),
                              directive);
        }
        return state.fail("lua_shared_dict " + quoted(name) + " is already defined as " +
                              quoted(dict.name),
                          directive);
    }
    dicts.push_back({name, static_cast<std::uint64_t>(*size), directive.where});
    return true;
}

bool handleLoadRestyCore(BuildState& state, Scope&, const Directive& directive,
                         const DirectiveSpec&)
{
    state.notice(LogLevel::Warn,
                 "lua_load_resty_core is deprecated (the lua-resty-core library is required "
                 "since ngx_lua v0.10.16)",
                 directive);
    return true;
}

constexpr unsigned HandlerBlock = Block | NoArgs;

constexpr DirectiveSpec directives[] = {
    {"lua_code_cache", AnyHttp, Flag, handleCodeCache},
    {"lua_http10_buffering", AnyHttp, Flag, handleHttp10Buffering},
    {"lua_check_client_abort", AnyHttp, Flag, handleCheckClientAbort},
    {"lua_package_path", HttpContext, Take1, handlePackagePath},
    {"lua_package_cpath", HttpContext, Take1, handlePackagePath},
    {"lua_shared_dict", HttpContext, Take2, handleSharedDict},
    {"lua_load_resty_core", HttpContext, Flag, handleLoadRestyCore},
    {"init_by_lua", HttpContext, Take1, handleInitByLua},
    {"init_by_lua_block", HttpContext, HandlerBlock, handleInitByLua},
    {"init_by_lua_file", HttpContext, Take1, handleInitByLua},
    {"rewrite_by_lua", AnyHttp, Take1, handlePhaseByLua},
    {"rewrite_by_lua_block", AnyHttp, HandlerBlock, handlePhaseByLua},
    {"rewrite_by_lua_file", AnyHttp, Take1, handlePhaseByLua},
    {"access_by_lua", AnyHttp, Take1, handlePhaseByLua},
    {"access_by_lua_block", AnyHttp, HandlerBlock, handlePhaseByLua},
    {"access_by_lua_file", AnyHttp, Take1, handlePhaseByLua},
    {"content_by_lua", LocationContext, Take1, handlePhaseByLua},
    {"content_by_lua_block", LocationContext, HandlerBlock, handlePhaseByLua},
    {"content_by_lua_file", LocationContext, Take1, handlePhaseByLua},
    // handlers of phases restyscope does not run yet
    {"init_worker_by_lua", HttpContext, Take1, handleUnsupportedByLua},
    {"init_worker_by_lua_block", HttpContext, HandlerBlock, handleUnsupportedByLua},
    {"init_worker_by_lua_file", HttpContext, Take1, handleUnsupportedByLua},
    {"exit_worker_by_lua_block", HttpContext, HandlerBlock, handleUnsupportedByLua},
    {"exit_worker_by_lua_file", HttpContext, Take1, handleUnsupportedByLua},
    {"server_rewrite_by_lua_block", HttpContext | ServerContext, HandlerBlock,
     handleUnsupportedByLua},
    {"server_rewrite_by_lua_file", HttpContext | ServerContext, Take1, handleUnsupportedByLua},
    {"set_by_lua", ServerContext | LocationContext, TwoOrMore, handleUnsupportedByLua},
    {"set_by_lua_block", ServerContext | LocationContext, Block | Take1, handleUnsupportedByLua},
    {"set_by_lua_file", ServerContext | LocationContext, TwoOrMore, handleUnsupportedByLua},
    {"log_by_lua", AnyHttp, Take1, handlePhaseByLua},
    {"log_by_lua_block", AnyHttp, HandlerBlock, handlePhaseByLua},
    {"log_by_lua_file", AnyHttp, Take1, handlePhaseByLua},
    {"header_filter_by_lua", AnyHttp, Take1, handlePhaseByLua},
    {"header_filter_by_lua_block", AnyHttp, HandlerBlock, handlePhaseByLua},
    {"header_filter_by_lua_file", AnyHttp, Take1, handlePhaseByLua},
    {"body_filter_by_lua", AnyHttp, Take1, handleUnsupportedByLua},
    {"body_filter_by_lua_block", AnyHttp, HandlerBlock, handleUnsupportedByLua},
    {"body_filter_by_lua_file", AnyHttp, Take1, handleUnsupportedByLua},
    // cosocket settings (socket.cpp reads them from the location)
    {"lua_socket_log_errors", AnyHttp, Flag, handleSocketSetting, ValueKind::Flag, true},
    {"lua_socket_keepalive_timeout", AnyHttp, Take1, handleSocketSetting, ValueKind::Msec, true},
    {"lua_socket_connect_timeout", AnyHttp, Take1, handleSocketSetting, ValueKind::Msec, true},
    {"lua_socket_send_timeout", AnyHttp, Take1, handleSocketSetting, ValueKind::Msec, true},
    {"lua_socket_read_timeout", AnyHttp, Take1, handleSocketSetting, ValueKind::Msec, true},
    {"lua_socket_pool_size", AnyHttp, Take1, handleSocketSetting, ValueKind::Number, true},
    // values restyscope does not act on
    {"lua_need_request_body", AnyHttp, Flag, ignore, ValueKind::Flag, true},
    {"lua_transform_underscores_in_response_headers", AnyHttp, Flag, ignore, ValueKind::Flag, true},
    {"lua_use_default_type", AnyHttp, Flag, ignore, ValueKind::Flag, true},
    {"lua_socket_send_lowat", AnyHttp, Take1, ignore, ValueKind::Size, true},
    {"lua_socket_buffer_size", AnyHttp, Take1, ignore, ValueKind::Size, true},
    {"lua_max_pending_timers", HttpContext, Take1, ignore, ValueKind::Number, true},
    {"lua_max_running_timers", HttpContext, Take1, ignore, ValueKind::Number, true},
    {"lua_regex_cache_max_entries", HttpContext, Take1, ignore, ValueKind::Number, true},
    {"lua_regex_match_limit", HttpContext, Take1, ignore, ValueKind::Number, true},
    {"lua_thread_cache_max_entries", HttpContext, Take1, ignore, ValueKind::Number, true},
    {"lua_sa_restart", HttpContext, Flag, ignore, ValueKind::Flag, true},
    {"rewrite_by_lua_no_postpone", HttpContext, Flag, ignore, ValueKind::Flag, true},
    {"access_by_lua_no_postpone", HttpContext, Flag, ignore, ValueKind::Flag, true},
};

} // namespace

std::span<const DirectiveSpec> luaDirectives()
{
    return directives;
}

} // namespace restyscope::engine::conf::detail
