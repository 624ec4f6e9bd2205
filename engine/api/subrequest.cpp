// ngx.location.capture and capture_multi (lua-nginx-module's ngx_http_lua_subrequest.c):
// each query becomes a child HttpRequest on the same connection whose response is
// captured; the calling coroutine parks with reason "subrequest" until every child is
// finalized, then resumes with one {status, header, body, truncated} table per child.

#include "engine/api/api.h"
#include "engine/api/apicommon.h"
#include "engine/api/querystring.h"
#include "engine/api/reqstate.h"
#include "engine/api/subrequestresult.h"
#include "engine/api/var.h"
#include "engine/http/connection.h"
#include "engine/http/status.h"
#include "engine/sched/scheduler.h"

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <lua.hpp>

#include <cctype>
#include <optional>
#include <string>
#include <vector>

namespace restyscope::engine::api {

namespace {

constexpr unsigned kCaptureContexts =
    sched::kContextRewrite | sched::kContextAccess | sched::kContextContent;
constexpr int kMethodGet = 0x0002;
constexpr int kMethodHead = 0x0004;
constexpr int kMethodPost = 0x0008;
constexpr int kMethodPut = 0x0010;

struct Query
{
    std::string uri;
    std::string args;
    int method = kMethodGet;
    std::optional<std::string> body;
    bool alwaysForwardBody = false;
    std::vector<std::pair<std::string, std::string>> vars;
    bool hasCtx = false; // the ctx option: the child's ngx.ctx table
};

// The parent coroutine's wait on its children (coctx->sr_* and pending_subreqs).
struct CaptureWait
{
    std::weak_ptr<sched::RequestCtx> parent;
    sched::CoCtx* co = nullptr;
    std::vector<std::shared_ptr<http::HttpRequest>> children;
    std::size_t pending = 0;
    bool cancelled = false;
};

// ngx_http_parse_unsafe_uri for a subrequest URI: the query part split off, ".." segments
// and control bytes refused.
bool splitSafeUri(std::string& uri, std::string& args)
{
    if (const auto question = uri.find('?'); question != std::string::npos) {
        args = uri.substr(question + 1);
        uri.resize(question);
    }
    for (const char c : uri) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f || c == '\0') {
            return false;
        }
    }
    std::size_t pos = 0;
    while ((pos = uri.find("..", pos)) != std::string::npos) {
        const bool startsSegment = pos == 0 || uri[pos - 1] == '/';
        const bool endsSegment = pos + 2 == uri.size() || uri[pos + 2] == '/';
        if (startsSegment && endsSegment) {
            return false;
        }
        pos += 2;
    }
    return true;
}

/* stack: queries, query, uri, opts -> queries, query, uri, opts */
void readOptions(lua_State* L, Query& query)
{
    constexpr int opts = 4;
    lua_getfield(L, opts, "args");
    switch (lua_type(L, -1)) {
    case LUA_TTABLE: {
        std::string error;
        if (!encodeArgs(L, lua_gettop(L), query.args, error)) {
            luaL_error(L, "%s", error.c_str());
        }
        break;
    }
    case LUA_TNIL: break;
    case LUA_TNUMBER:
    case LUA_TSTRING: {
        std::size_t len = 0;
        const char* text = lua_tolstring(L, -1, &len);
        query.args.assign(text, len);
        break;
    }
    default: luaL_error(L, "Bad args option value");
    }
    lua_pop(L, 1);

    lua_getfield(L, opts, "vars");
    if (lua_istable(L, -1)) {
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
            if (lua_type(L, -2) != LUA_TSTRING) {
                luaL_error(L, "attempt to use a non-string key in the \"vars\" option table");
            }
            if (!lua_isstring(L, -1)) {
                luaL_error(L, "attempt to use bad variable value type %s", luaL_typename(L, -1));
            }
            std::size_t keyLen = 0;
            const char* key = lua_tolstring(L, -2, &keyLen);
            std::size_t valueLen = 0;
            const char* value = lua_tolstring(L, -1, &valueLen);
            query.vars.emplace_back(std::string(key, keyLen), std::string(value, valueLen));
            lua_pop(L, 1);
        }
    } else if (!lua_isnil(L, -1)) {
        luaL_error(L, "Bad vars option value");
    }
    lua_pop(L, 1);

    // restyscope has no user variables (no `set`), so sharing or copying the parent's
    // variable values changes nothing a handler can read; the options are still checked.
    for (const char* name : {"share_all_vars", "copy_all_vars"}) {
        lua_getfield(L, opts, name);
        if (!lua_isnil(L, -1) && !lua_isboolean(L, -1)) {
            luaL_error(L, "Bad %s option value", name);
        }
        lua_pop(L, 1);
    }

    lua_getfield(L, opts, "always_forward_body");
    query.alwaysForwardBody = lua_toboolean(L, -1) != 0;
    lua_pop(L, 1);

    lua_getfield(L, opts, "method");
    if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TNUMBER) {
            luaL_error(L, "Bad http request method");
        }
        query.method = static_cast<int>(lua_tonumber(L, -1));
    }
    lua_pop(L, 1);

    lua_getfield(L, opts, "ctx");
    if (!lua_isnil(L, -1)) {
        if (!lua_istable(L, -1)) {
            luaL_error(L, "Bad ctx option value type %s, expected a Lua table",
                       lua_typename(L, lua_type(L, -1)));
        }
        query.hasCtx = true;
    }
    lua_pop(L, 1);

    lua_getfield(L, opts, "body");
    if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER) {
            luaL_error(L, "Bad http request body");
        }
        std::size_t len = 0;
        const char* text = lua_tolstring(L, -1, &len);
        query.body = std::string(text, len);
    }
    lua_pop(L, 1);
}

// The body and headers a subrequest inherits (ngx_http_lua_adjust_subrequest and
// ngx_http_lua_copy_request_headers).
void adjustRequest(http::HttpRequest& child, const http::HttpRequest& parent, const Query& query,
                   const char* methodName)
{
    http::Request& r = child.request;
    r.method = methodName;
    r.headOnly = query.method == kMethodHead;
    const bool forward =
        !query.body && (query.alwaysForwardBody || query.method == kMethodPut ||
                        query.method == kMethodPost || parent.request.contentLength <= 0);
    const bool parentChunked = parent.request.chunked;
    // The parent's Content-Length line goes unless its body is forwarded as sent.
    if (!(forward && !parentChunked)) {
        std::erase_if(r.headers, [](const http::HeaderField& field) {
            return http::equalsIgnoreCase(field.name, "Content-Length");
        });
        r.contentLength = -1;
    }
    const std::string* body = query.body ? &*query.body : nullptr;
    if (forward && parentChunked && parent.bodyComplete()) {
        body = &parent.body();
    }
    if (body) {
        // A crafted Content-Length comes first, as lua-nginx-module pushes it first.
        r.headers.insert(r.headers.begin(), {"Content-Length", std::to_string(body->size())});
        r.contentLength = static_cast<std::int64_t>(body->size());
        r.chunked = false;
    }
}

// The child's body: the body option, the parent's when forwarded, else none.
std::string bodyFor(const http::HttpRequest& parent, const Query& query)
{
    if (query.body) {
        return *query.body;
    }
    const bool forward = query.alwaysForwardBody || query.method == kMethodPut ||
                         query.method == kMethodPost || parent.request.contentLength <= 0;
    return forward && parent.bodyComplete() ? parent.body() : std::string();
}

// A child finalized: the last one resumes the parent, as a posted request in nginx runs
// once the child's finalize returned.
void childDone(const std::shared_ptr<CaptureWait>& wait)
{
    if (wait->cancelled || wait->pending == 0) {
        return;
    }
    --wait->pending;
    auto parent = wait->parent.lock();
    if (!parent) {
        return;
    }
    --parent->pendingSubrequests;
    if (wait->pending != 0) {
        return;
    }
    asio::post(parent->scheduler.io(), [wait] {
        auto holder = wait->parent.lock();
        if (!holder || wait->cancelled || !wait->co->alive()) {
            return;
        }
        holder->scheduler.wake(holder, *wait->co, [wait](lua_State* co) {
            for (const auto& child : wait->children) {
                pushCapturedResponse(co, *child);
            }
            return static_cast<int>(wait->children.size());
        });
    });
}

// The parent coroutine was killed (ngx.exit elsewhere, the request ended): its children go.
void cancelChildren(const std::shared_ptr<CaptureWait>& wait)
{
    wait->cancelled = true;
    if (auto parent = wait->parent.lock()) {
        parent->pendingSubrequests -= static_cast<int>(wait->pending);
    }
    wait->pending = 0;
    for (const auto& child : wait->children) {
        if (!child->finalized()) {
            child->finalize(http::kNgxError);
        }
    }
}

std::string lowered(std::string text)
{
    for (char& c : text) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return text;
}

// Reads query index (0-based) of the queries table at 1 into query; raises nginx's errors.
/* stack: queries -> queries, query, uri[, opts] */
void readQuery(lua_State* L, int index, Query& query)
{
    lua_settop(L, 1);
    lua_rawgeti(L, 1, index + 1);
    if (lua_isnil(L, -1)) {
        luaL_error(L, "only array-like tables are allowed");
    }
    if (!lua_istable(L, -1)) {
        luaL_error(L, "the query argument %d is not a table, but a %s", index,
                   lua_typename(L, lua_type(L, -1)));
    }
    const auto nargs = lua_objlen(L, -1);
    if (nargs != 1 && nargs != 2) {
        luaL_error(L, "query argument %d expecting one or two arguments", index);
    }
    lua_rawgeti(L, 2, 1);
    if (nargs == 2) {
        lua_rawgeti(L, 2, 2);
        if (!lua_istable(L, 4)) {
            luaL_error(L, "expecting table as the 2nd argument for subrequest %d, but got %s",
                       index, luaL_typename(L, 4));
        }
        readOptions(L, query);
    }
    // The URI sits at stack slot 3, which is what luaL_checklstring's message names.
    std::size_t len = 0;
    const char* uri = luaL_checklstring(L, 3, &len);
    query.uri.assign(uri, len);
    std::string uriArgs;
    if (!splitSafeUri(query.uri, uriArgs)) {
        luaL_error(L, "unsafe uri in argument #1: %s", uri);
    }
    if (!uriArgs.empty()) {
        query.args = query.args.empty() ? uriArgs : uriArgs + "&" + query.args;
    }
}

// What ngx_http_lua_adjust_subrequest refuses: an unknown method, a variable nginx cannot
// set. Logs nginx's line and raises its error.
void checkAdjustable(lua_State* L, const sched::RequestCtx& ctx, const Query& query)
{
    if (!ngxMethodName(query.method)) {
        logForRequest(&ctx, 4, "unsupported HTTP method: " + std::to_string(query.method));
        luaL_error(L, "failed to adjust the subrequest: %d", http::kNgxError);
    }
    for (const auto& [name, value] : query.vars) {
        const std::string lower = lowered(name);
        switch (variableWritable(*ctx.http, lower)) {
        case VariableWrite::Set: break;
        case VariableWrite::NotChangeable:
            logForRequest(&ctx, 4, "variable \"" + lower + "\" not changeable");
            luaL_error(L, "failed to adjust the subrequest: %d", 500);
            break;
        case VariableWrite::NotAssignable:
        case VariableWrite::Undefined:
            logForRequest(&ctx, 4,
                          "variable \"" + lower +
                              "\" cannot be assigned a value (maybe you forgot to define it "
                              "first?) ");
            luaL_error(L, "failed to adjust the subrequest: %d", http::kNgxError);
            break;
        }
    }
}

int captureMulti(lua_State* L)
{
    const int n = lua_gettop(L);
    if (n != 1) {
        return luaL_error(L, "only one argument is expected, but got %d", n);
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    const auto count = static_cast<int>(lua_objlen(L, 1));
    if (count == 0) {
        return luaL_error(L, "at least one subrequest should be specified");
    }
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        return luaL_error(L, "no request object found");
    }
    checkContext(L, *ctx, kCaptureContexts);
    sched::CoCtx* co = sched::RequestCtx::coOf(L);
    sched::SubrequestHost* host = ctx->scheduler.subrequestHost();
    if (!co || !host || !ctx->http) {
        return luaL_error(L, "no co ctx found");
    }
    // Every query is checked before any child exists. (nginx issues each child as it goes,
    // so a bad 2nd query still runs the 1st; here none runs.)
    std::vector<Query> queries(static_cast<std::size_t>(count));
    for (int index = 0; index < count; ++index) {
        readQuery(L, index, queries[static_cast<std::size_t>(index)]);
        checkAdjustable(L, *ctx, queries[static_cast<std::size_t>(index)]);
    }
    lua_settop(L, 1);

    http::HttpRequest& parent = *ctx->http;
    const std::shared_ptr<http::HttpRequest> parentHolder = parent.shared_from_this();
    auto wait = std::make_shared<CaptureWait>();
    wait->parent = ctx->shared_from_this();
    wait->co = co;
    std::string waitingOn = "subrequest";
    for (int index = 0; index < count; ++index) {
        const Query& query = queries[static_cast<std::size_t>(index)];
        std::weak_ptr<CaptureWait> weakWait = wait;
        auto child =
            http::HttpRequest::makeSubrequest(parentHolder, bodyFor(parent, query), [weakWait] {
                if (auto locked = weakWait.lock()) {
                    childDone(locked);
                }
            });
        child->request.uri = query.uri;
        child->request.args = query.args;
        adjustRequest(*child, parent, query, ngxMethodName(query.method));
        for (const auto& [name, value] : query.vars) {
            setVariable(*child, lowered(name), value);
        }
        const std::shared_ptr<sched::RequestCtx> childCtx = host->subrequestCtx(child);
        if (childCtx && query.hasCtx) {
            /* stack: queries -> queries */
            lua_rawgeti(L, 1, index + 1);
            lua_rawgeti(L, -1, 2);
            lua_getfield(L, -1, "ctx");
            childCtx->ngxCtxRef = luaL_ref(L, LUA_REGISTRYINDEX);
            lua_pop(L, 2);
        }
        waitingOn += (index == 0 ? " " : ", ") + query.uri;
        wait->children.push_back(std::move(child));
    }
    wait->pending = wait->children.size();
    ctx->pendingSubrequests += count;
    for (const auto& child : wait->children) {
        host->runSubrequest(child);
    }
    co->reason = trace::YieldReason::Subrequest;
    co->waitingOn = std::move(waitingOn);
    co->cleanup = [wait] { cancelChildren(wait); };
    ctx->coOp = sched::CoOp::Nop;
    lua_settop(L, 0);
    return lua_yield(L, 0);
}

// capture(uri, opts?) is capture_multi({{uri, opts?}}).
int capture(lua_State* L)
{
    const int n = lua_gettop(L);
    if (n != 1 && n != 2) {
        return luaL_error(L, "expecting one or two arguments");
    }
    /* stack: uri, opts? -> {{uri, opts?}} */
    lua_createtable(L, n, 0);
    lua_insert(L, 1);
    if (n == 2) {
        lua_rawseti(L, 1, 2);
    }
    lua_rawseti(L, 1, 1);
    lua_createtable(L, 1, 0);
    lua_insert(L, 1);
    lua_rawseti(L, 1, 1);
    return captureMulti(L);
}

} // namespace

void installSubrequest(lua_State* L)
{
    /* stack: ngx -> ngx */
    lua_createtable(L, 0, 2);
    setFunction(L, "capture", capture);
    setFunction(L, "capture_multi", captureMulti);
    lua_setfield(L, -2, "location");
}

} // namespace restyscope::engine::api
