// ngx.var (lua-resty-core's var.lua over ngx_http_lua_variable.c): reads go to the
// request's nginx variables, numbers to the location's regex captures; writes reach the
// variables nginx lets Lua change, and every other name fails with nginx's message for
// it (not changeable / cannot be assigned / not found for writing).

#include "engine/api/var.h"
#include "engine/api/api.h"
#include "engine/api/apicommon.h"
#include "engine/api/apiutil.h"
#include "engine/api/reqstate.h"
#include "engine/http/connection.h"
#include "engine/http/variables.h"

#include <lua.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <string_view>

namespace restyscope::engine::api {

namespace {

// nginx 1.22's built-in variables (core and the modules Debian's nginx-light loads) that
// exist but have no way to be set: "variable \"x\" not changeable".
constexpr std::string_view kReadOnly[] = {
    "binary_remote_addr",
    "body_bytes_sent",
    "bytes_sent",
    "connection",
    "connection_requests",
    "connection_time",
    "connections_active",
    "connections_reading",
    "connections_waiting",
    "connections_writing",
    "content_length",
    "content_type",
    "date_gmt",
    "date_local",
    "document_root",
    "document_uri",
    "host",
    "hostname",
    "http2",
    "http_cookie",
    "http_host",
    "http_referer",
    "http_user_agent",
    "http_via",
    "http_x_forwarded_for",
    "https",
    "is_args",
    "limit_conn_status",
    "limit_req_status",
    "msec",
    "nginx_version",
    "pid",
    "pipe",
    "proxy_protocol_addr",
    "proxy_protocol_port",
    "proxy_protocol_server_addr",
    "proxy_protocol_server_port",
    "query_string",
    "realip_remote_addr",
    "realip_remote_port",
    "realpath_root",
    "remote_addr",
    "remote_port",
    "remote_user",
    "request",
    "request_body",
    "request_body_file",
    "request_completion",
    "request_filename",
    "request_id",
    "request_length",
    "request_method",
    "request_time",
    "request_uri",
    "scheme",
    "sent_http_cache_control",
    "sent_http_connection",
    "sent_http_content_length",
    "sent_http_content_type",
    "sent_http_keep_alive",
    "sent_http_last_modified",
    "sent_http_link",
    "sent_http_location",
    "sent_http_transfer_encoding",
    "server_addr",
    "server_name",
    "server_port",
    "server_protocol",
    "status",
    "tcpinfo_rcv_space",
    "tcpinfo_rtt",
    "tcpinfo_rttvar",
    "tcpinfo_snd_cwnd",
    "time_iso8601",
    "time_local",
    "upstream_addr",
    "upstream_bytes_received",
    "upstream_bytes_sent",
    "upstream_cache_status",
    "upstream_connect_time",
    "upstream_header_time",
    "upstream_response_length",
    "upstream_response_time",
    "upstream_status",
    "uri",
};

// Marked changeable but with neither a setter nor a per-request slot (browser and SSL
// variables): "variable \"x\" cannot be assigned a value".
constexpr std::string_view kUnassignable[] = {
    "ancient_browser",
    "modern_browser",
    "msie",
    "ssl_alpn_protocol",
    "ssl_cipher",
    "ssl_ciphers",
    "ssl_client_cert",
    "ssl_client_escaped_cert",
    "ssl_client_fingerprint",
    "ssl_client_i_dn",
    "ssl_client_i_dn_legacy",
    "ssl_client_raw_cert",
    "ssl_client_s_dn",
    "ssl_client_s_dn_legacy",
    "ssl_client_serial",
    "ssl_client_v_end",
    "ssl_client_v_remain",
    "ssl_client_v_start",
    "ssl_client_verify",
    "ssl_curve",
    "ssl_curves",
    "ssl_early_data",
    "ssl_protocol",
    "ssl_server_name",
    "ssl_session_id",
    "ssl_session_reused",
};

template <std::size_t N> bool listed(const std::string_view (&names)[N], std::string_view name)
{
    return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

std::string lowered(const char* text, std::size_t len)
{
    std::string out(text, len);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

bool allDigits(std::string_view name)
{
    return !name.empty() &&
           std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void pushOptional(lua_State* L, const std::optional<std::string>& value)
{
    if (value) {
        lua_pushlstring(L, value->data(), value->size());
    } else {
        lua_pushnil(L);
    }
}

// __index: (table, name)
int varGet(lua_State* L)
{
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        return restyError(L, "var.lua:71", "no request found");
    }
    if (lua_type(L, 2) == LUA_TNUMBER) {
        if (!ctx->http) {
            return errorAt(L, 1, "API disabled in the current context");
        }
        // The FFI int: 1.5 reads $1; $0 and below are not variables.
        const double number = lua_tonumber(L, 2);
        const double index = std::trunc(number);
        if (!(index >= 1 && index < 1e9)) {
            lua_pushnil(L);
            return 1;
        }
        const auto& captures = ctx->http->request.captures;
        const auto n = static_cast<std::size_t>(index);
        if (n < captures.size()) {
            lua_pushlstring(L, captures[n].data(), captures[n].size());
        } else {
            lua_pushnil(L);
        }
        return 1;
    }
    if (lua_type(L, 2) != LUA_TSTRING) {
        return errorAt(L, 1, "bad variable name");
    }
    if (!ctx->http) {
        return errorAt(L, 1, "API disabled in the current context");
    }
    std::size_t len = 0;
    const char* text = lua_tolstring(L, 2, &len);
    const std::string name = lowered(text, len);
    const http::HttpRequest& request = *ctx->http;
    // "$1" is a capture only inside nginx's scripts; as a variable name it is unknown.
    if (allDigits(name)) {
        lua_pushnil(L);
        return 1;
    }
    const RequestApiState* state = findApiState(request);
    if (name == "args" || name == "query_string") {
        // Empty args are "not found" unless Lua set them to an empty string.
        const std::string& args = request.request.args;
        if (args.empty() && !(state && state->argsEmptyString)) {
            lua_pushnil(L);
        } else {
            lua_pushlstring(L, args.data(), args.size());
        }
        return 1;
    }
    if (name == "limit_rate") {
        const std::string rate = state ? state->limitRate : std::string("0");
        lua_pushlstring(L, rate.data(), rate.size());
        return 1;
    }
    pushOptional(L, http::variableValue(request.request, name));
    return 1;
}

// __newindex: (table, name, value)
int varSet(lua_State* L)
{
    sched::RequestCtx* ctx = findRequest(L);
    if (!ctx) {
        return restyError(L, "var.lua:111", "no request found");
    }
    if (lua_type(L, 2) != LUA_TSTRING) {
        return errorAt(L, 1, "bad variable name");
    }
    std::size_t len = 0;
    const char* text = lua_tolstring(L, 2, &len);
    const bool isNil = lua_isnoneornil(L, 3);
    const std::string value = isNil ? std::string() : luaToString(L, 3);
    if (!ctx->http) {
        return errorAt(L, 1, "API disabled in the current context");
    }
    const std::string name = lowered(text, len);
    http::HttpRequest& request = *ctx->http;
    if (name == "args") {
        request.request.args = value;
        apiState(request).argsEmptyString = !isNil;
        return 0;
    }
    if (name == "limit_rate") {
        // Changes the rate of the response in nginx; here only the variable.
        apiState(request).limitRate = isNil ? std::string("0") : value;
        return 0;
    }
    if (listed(kReadOnly, name)) {
        return errorAt(L, 1, "variable \"" + name + "\" not changeable");
    }
    if (listed(kUnassignable, name)) {
        return errorAt(L, 1, "variable \"" + name + "\" cannot be assigned a value");
    }
    return errorAt(L, 1,
                   "variable \"" + name +
                       "\" not found for writing; maybe it is a built-in variable that is not "
                       "changeable or you forgot to use \"set $" +
                       name + " '';\" in the config file to define it first");
}

} // namespace

VariableWrite variableWritable(std::string_view name)
{
    if (name == "args" || name == "limit_rate") {
        return VariableWrite::Set;
    }
    return listed(kReadOnly, name) ? VariableWrite::NotChangeable : VariableWrite::Undefined;
}

VariableWrite setVariable(http::HttpRequest& request, std::string_view name, std::string_view value)
{
    if (name == "args") {
        request.request.args = std::string(value);
        apiState(request).argsEmptyString = true;
        return VariableWrite::Set;
    }
    if (name == "limit_rate") {
        apiState(request).limitRate = std::string(value);
        return VariableWrite::Set;
    }
    return variableWritable(name);
}

void installVar(lua_State* L)
{
    captureLuaToString(L);
    /* stack: ngx -> ngx */
    setProxyTable(L, "var", varGet, varSet);
}

} // namespace restyscope::engine::api
