#include "engine/api/reqheaders.h"
#include "engine/api/respheaders.h"

#include "engine/api/codec.h"
#include "engine/http/request.h"
#include "engine/http/requesthead.h"

#include <limits>

namespace restyscope::engine::api {

namespace {

void setLines(http::Request& request, const std::string& name, const std::string& value,
              bool override)
{
    auto& lines = request.headers;
    if (override) {
        bool matched = false;
        for (auto it = lines.begin(); it != lines.end();) {
            if (!http::equalsIgnoreCase(it->name, name)) {
                ++it;
                continue;
            }
            if (value.empty() || matched) {
                it = lines.erase(it);
                continue;
            }
            it->value = value;
            matched = true;
            ++it;
        }
        if (matched || value.empty()) {
            return;
        }
    }
    lines.push_back({name, value});
}

} // namespace

std::optional<std::string> validateHost(std::string_view host)
{
    std::string valid;
    if (!http::validateHost(host, valid, http::HostBytes::NulAndSlashOnly)) {
        return std::nullopt;
    }
    return valid;
}

bool setInputHeader(http::Request& request, std::string_view rawName, std::string_view rawValue,
                    bool override)
{
    const std::string name = escapeUri(rawName, EscapeType::HeaderName);
    const std::string value = escapeUri(rawValue, EscapeType::HeaderValue);
    if (http::equalsIgnoreCase(name, "Host")) {
        if (value.empty()) {
            request.host.clear();
        } else {
            const auto host = validateHost(value);
            if (!host) {
                return false;
            }
            request.host = *host;
        }
    } else if (http::equalsIgnoreCase(name, "Content-Length")) {
        if (value.empty()) {
            request.contentLength = -1;
        } else {
            std::int64_t length = 0;
            if (!parseContentLength(value, length)) {
                return false;
            }
            request.contentLength = length;
        }
    }
    setLines(request, name, value, override);
    return true;
}

} // namespace restyscope::engine::api
