#include "engine/http/variables.h"

#include "engine/conf/config.h"
#include "engine/http/connection.h"
#include "engine/http/uri.h"

#include <algorithm>
#include <unistd.h>

namespace restyscope::engine::http {

namespace {

bool startsWith(std::string_view text, std::string_view prefix)
{
    return text.substr(0, prefix.size()) == prefix;
}

// $http_x_foo names header "X-Foo": '_' stands for '-', case-insensitive.
bool headerNameMatches(std::string_view header, std::string_view variablePart)
{
    if (header.size() != variablePart.size()) {
        return false;
    }
    for (std::size_t i = 0; i < header.size(); ++i) {
        char h = static_cast<char>(std::tolower(static_cast<unsigned char>(header[i])));
        if (h == '-') {
            h = '_';
        }
        if (h != std::tolower(static_cast<unsigned char>(variablePart[i]))) {
            return false;
        }
    }
    return true;
}

std::optional<std::string> headerVariable(const Request& r, std::string_view name)
{
    // nginx 1.22 joins repeated Cookie (with "; ") and X-Forwarded-For (with ", ") lines;
    // for any other header $http_NAME is the first line.
    const bool joined = name == "cookie" || name == "x_forwarded_for";
    std::optional<std::string> value;
    for (const auto& field : r.headers) {
        if (!headerNameMatches(field.name, name)) {
            continue;
        }
        if (!value) {
            value = field.value;
            if (!joined) {
                break;
            }
        } else {
            value->append(name == "cookie" ? "; " : ", ").append(field.value);
        }
    }
    return value;
}

std::optional<std::string> cookieVariable(const Request& r, std::string_view wanted)
{
    const auto cookies = headerVariable(r, "cookie");
    if (!cookies) {
        return std::nullopt;
    }
    std::string_view rest(*cookies);
    while (!rest.empty()) {
        const auto end = std::min(rest.find(';'), rest.size());
        std::string_view pair = rest.substr(0, end);
        while (!pair.empty() && pair.front() == ' ') {
            pair.remove_prefix(1);
        }
        const auto eq = pair.find('=');
        if (eq != std::string_view::npos && equalsIgnoreCase(pair.substr(0, eq), wanted)) {
            return std::string(pair.substr(eq + 1));
        }
        rest.remove_prefix(std::min(end + 1, rest.size()));
    }
    return std::nullopt;
}

std::optional<std::string> firstServerName(const Request& r)
{
    if (r.server && !r.server->serverNames.empty()) {
        return r.server->serverNames.front();
    }
    return std::string();
}

using Getter = std::optional<std::string> (*)(const Request& r);

struct CoreVariable
{
    std::string_view name;
    Getter get;
};

// The core variables restyscope computes.
const CoreVariable kComputed[] = {
    {"uri", [](const Request& r) -> std::optional<std::string> { return r.uri; }},
    {"document_uri", [](const Request& r) -> std::optional<std::string> { return r.uri; }},
    {"query_string", [](const Request& r) -> std::optional<std::string> { return r.args; }},
    {"is_args",
     [](const Request& r) -> std::optional<std::string> {
         return r.args.empty() ? std::string() : std::string("?");
     }},
    {"request_uri", [](const Request& r) -> std::optional<std::string> { return r.requestUri; }},
    {"request", [](const Request& r) -> std::optional<std::string> { return r.requestLine; }},
    {"request_method", [](const Request& r) -> std::optional<std::string> { return r.method; }},
    {"host",
     [](const Request& r) -> std::optional<std::string> {
         return r.host.empty() ? firstServerName(r) : r.host;
     }},
    {"hostname",
     [](const Request&) -> std::optional<std::string> {
         char buffer[256] = {};
         gethostname(buffer, sizeof buffer - 1);
         return std::string(buffer);
     }},
    {"remote_addr", [](const Request& r) -> std::optional<std::string> { return r.remoteAddr; }},
    {"remote_port",
     [](const Request& r) -> std::optional<std::string> { return std::to_string(r.remotePort); }},
    {"server_addr", [](const Request& r) -> std::optional<std::string> { return r.serverAddr; }},
    {"server_port",
     [](const Request& r) -> std::optional<std::string> { return std::to_string(r.serverPort); }},
    {"server_name", firstServerName},
    {"server_protocol",
     [](const Request& r) -> std::optional<std::string> { return r.httpVersionText(); }},
    {"scheme", [](const Request&) -> std::optional<std::string> { return std::string("http"); }},
    {"content_length",
     [](const Request& r) -> std::optional<std::string> {
         const auto* value = r.header("Content-Length");
         return value ? std::optional<std::string>(*value) : std::nullopt;
     }},
    {"content_type",
     [](const Request& r) -> std::optional<std::string> {
         const auto* value = r.header("Content-Type");
         return value ? std::optional<std::string>(*value) : std::nullopt;
     }},
    {"nginx_version",
     [](const Request&) -> std::optional<std::string> { return std::string("1.22.1"); }},
    {"pid",
     [](const Request&) -> std::optional<std::string> {
         return std::to_string(static_cast<long>(getpid()));
     }},
};

// nginx 1.22's other built-in variables (core and the modules Debian's nginx-light loads):
// they exist but cannot be set, and restyscope does not compute them yet.
constexpr std::string_view kNotComputed[] = {
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
    "date_gmt",
    "date_local",
    "document_root",
    "http2",
    "https",
    "limit_conn_status",
    "limit_req_status",
    "msec",
    "pipe",
    "proxy_protocol_addr",
    "proxy_protocol_port",
    "proxy_protocol_server_addr",
    "proxy_protocol_server_port",
    "realip_remote_addr",
    "realip_remote_port",
    "realpath_root",
    "remote_user",
    "request_body",
    "request_body_file",
    "request_completion",
    "request_filename",
    "request_id",
    "request_length",
    "request_time",
    "sent_http_cache_control",
    "sent_http_connection",
    "sent_http_content_length",
    "sent_http_content_type",
    "sent_http_keep_alive",
    "sent_http_last_modified",
    "sent_http_link",
    "sent_http_location",
    "sent_http_transfer_encoding",
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
};

// Marked changeable but with neither a set handler nor a per-request slot (browser and
// SSL variables): "variable \"x\" cannot be assigned a value".
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

bool allDigits(std::string_view name)
{
    return !name.empty() &&
           std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

} // namespace

VariableRegistry::VariableRegistry()
{
    for (const CoreVariable& core : kComputed) {
        add({std::string(core.name),
             0,
             [get = core.get](const HttpRequest& request, std::string_view) {
                 return get(request.request);
             },
             {}});
    }
    for (std::string_view name : kNotComputed) {
        add({std::string(name), 0, {}, {}});
    }
    for (std::string_view name : kUnassignable) {
        add({std::string(name), kVariableChangeable, {}, {}});
    }
    // $args: changeable (ngx.var.args, set_uri_args, a subrequest's vars).
    add({"args", kVariableChangeable | kVariableNoCacheable,
         [](const HttpRequest& request, std::string_view) -> std::optional<std::string> {
             return request.request.args;
         },
         [](HttpRequest& request, std::optional<std::string_view> value) {
             request.request.args = std::string(value.value_or(std::string_view()));
             request.argsSetEmpty = value.has_value();
         }});
    // $limit_rate: nginx changes the response's rate; here only the variable.
    add({"limit_rate", kVariableChangeable | kVariableNoCacheable,
         [](const HttpRequest& request, std::string_view) -> std::optional<std::string> {
             return request.limitRate;
         },
         [](HttpRequest& request, std::optional<std::string_view> value) {
             request.limitRate = value ? std::string(*value) : std::string("0");
         }});
    // The header variables nginx's core defines by name (the others come from http_).
    for (std::string_view header : {"http_host", "http_user_agent", "http_referer", "http_via",
                                    "http_x_forwarded_for", "http_cookie"}) {
        add({std::string(header),
             0,
             [](const HttpRequest& request, std::string_view name) {
                 return headerVariable(request.request, name.substr(5));
             },
             {}});
    }
    add({"arg_",
         kVariablePrefix | kVariableNoCacheable,
         [](const HttpRequest& request, std::string_view name) -> std::optional<std::string> {
             std::string_view value;
             if (findArg(request.request.args, name.substr(4), value)) {
                 return std::string(value);
             }
             return std::nullopt;
         },
         {}});
    add({"http_",
         kVariablePrefix,
         [](const HttpRequest& request, std::string_view name) {
             return headerVariable(request.request, name.substr(5));
         },
         {}});
    add({"cookie_",
         kVariablePrefix,
         [](const HttpRequest& request, std::string_view name) {
             return cookieVariable(request.request, name.substr(7));
         },
         {}});
}

const VariableRegistry& VariableRegistry::core()
{
    static const VariableRegistry registry;
    return registry;
}

void VariableRegistry::add(Variable variable)
{
    if (variable.flags & kVariablePrefix) {
        std::erase_if(m_prefixes, [&](const Variable& v) { return v.name == variable.name; });
        m_prefixes.push_back(std::move(variable));
        return;
    }
    std::string name = variable.name;
    m_exact.insert_or_assign(std::move(name), std::move(variable));
}

const Variable* VariableRegistry::find(std::string_view name) const
{
    if (const auto it = m_exact.find(name); it != m_exact.end()) {
        return &it->second;
    }
    const Variable* best = nullptr;
    for (const Variable& prefix : m_prefixes) {
        if (startsWith(name, prefix.name) && (!best || prefix.name.size() > best->name.size())) {
            best = &prefix;
        }
    }
    return best;
}

std::optional<std::string> VariableRegistry::value(const HttpRequest& request,
                                                   std::string_view name) const
{
    const Request& r = request.request;
    if (allDigits(name)) {
        const auto index = static_cast<std::size_t>(std::stoul(std::string(name)));
        if (index < r.captures.size()) {
            return r.captures[index];
        }
        return std::nullopt;
    }
    if (const Variable* variable = find(name)) {
        return variable->get ? variable->get(request, name) : std::nullopt;
    }
    for (const auto& [captureName, value] : r.namedCaptures) {
        if (captureName == name) {
            return value;
        }
    }
    return std::nullopt;
}

VariableWrite VariableRegistry::writable(std::string_view name) const
{
    // As lua-nginx-module looks them up: by exact name only (a prefix variable such as
    // arg_x is not found for writing).
    const auto it = m_exact.find(name);
    if (it == m_exact.end()) {
        return VariableWrite::Undefined;
    }
    const Variable* variable = &it->second;
    if (!(variable->flags & kVariableChangeable)) {
        return VariableWrite::NotChangeable;
    }
    return variable->set ? VariableWrite::Set : VariableWrite::NotAssignable;
}

VariableWrite VariableRegistry::set(HttpRequest& request, std::string_view name,
                                    std::optional<std::string_view> value) const
{
    const VariableWrite answer = writable(name);
    if (answer == VariableWrite::Set) {
        m_exact.find(name)->second.set(request, value);
    }
    return answer;
}

const VariableRegistry& variablesOf(const HttpRequest& request)
{
    return request.variables ? *request.variables : VariableRegistry::core();
}

std::optional<std::string> variableValue(const HttpRequest& request, std::string_view name)
{
    return variablesOf(request).value(request, name);
}

} // namespace restyscope::engine::http
