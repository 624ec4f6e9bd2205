#include "engine/http/variables.h"

#include "engine/conf/config.h"
#include "engine/http/request.h"
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

} // namespace

std::optional<std::string> variableValue(const Request& r, std::string_view name)
{
    if (!name.empty() &&
        std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        const auto index = static_cast<std::size_t>(std::stoul(std::string(name)));
        if (index < r.captures.size()) {
            return r.captures[index];
        }
        return std::nullopt;
    }
    if (name == "uri" || name == "document_uri") {
        return r.uri;
    }
    if (name == "args" || name == "query_string") {
        return r.args;
    }
    if (name == "is_args") {
        return r.args.empty() ? std::string() : std::string("?");
    }
    if (name == "request_uri") {
        return r.requestUri;
    }
    if (name == "request") {
        return r.requestLine;
    }
    if (name == "request_method") {
        return r.method;
    }
    if (name == "host") {
        if (!r.host.empty()) {
            return r.host;
        }
        if (r.server && !r.server->serverNames.empty()) {
            return r.server->serverNames.front();
        }
        return std::string();
    }
    if (name == "hostname") {
        char buffer[256] = {};
        gethostname(buffer, sizeof buffer - 1);
        return std::string(buffer);
    }
    if (name == "remote_addr") {
        return r.remoteAddr;
    }
    if (name == "remote_port") {
        return std::to_string(r.remotePort);
    }
    if (name == "server_addr") {
        return r.serverAddr;
    }
    if (name == "server_port") {
        return std::to_string(r.serverPort);
    }
    if (name == "server_name") {
        if (r.server && !r.server->serverNames.empty()) {
            return r.server->serverNames.front();
        }
        return std::string();
    }
    if (name == "server_protocol") {
        return r.httpVersionText();
    }
    if (name == "scheme") {
        return std::string("http");
    }
    if (name == "content_length") {
        if (const auto* value = r.header("Content-Length")) {
            return *value;
        }
        return std::nullopt;
    }
    if (name == "content_type") {
        if (const auto* value = r.header("Content-Type")) {
            return *value;
        }
        return std::nullopt;
    }
    if (name == "nginx_version") {
        return std::string("1.22.1");
    }
    if (name == "pid") {
        return std::to_string(static_cast<long>(getpid()));
    }
    if (startsWith(name, "arg_")) {
        std::string_view value;
        if (findArg(r.args, name.substr(4), value)) {
            return std::string(value);
        }
        return std::nullopt;
    }
    if (startsWith(name, "http_")) {
        return headerVariable(r, name.substr(5));
    }
    if (startsWith(name, "cookie_")) {
        const auto cookies = headerVariable(r, "cookie");
        if (!cookies) {
            return std::nullopt;
        }
        std::string_view rest(*cookies);
        const std::string_view wanted = name.substr(7);
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
    for (const auto& [captureName, value] : r.namedCaptures) {
        if (captureName == name) {
            return value;
        }
    }
    return std::nullopt;
}

} // namespace restyscope::engine::http
