#include "engine/http/uri.h"

#include "engine/http/request.h"

#include <algorithm>
#include <vector>

namespace restyscope::engine::http {

namespace {

bool isAlpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

bool isIpLiteralChar(char c)
{
    return isAlpha(c) || isDigit(c) ||
           std::string_view(":.-_~!$&'()*+,;=").find(c) != std::string_view::npos;
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

} // namespace

bool splitRequestTarget(std::string_view target, RequestTarget& out)
{
    out = {};
    if (target.empty()) {
        return false;
    }
    if (target.front() != '/') {
        // absolute-form, with the characters nginx's request-line parser takes:
        // ALPHA *(ALPHA / DIGIT / "+" / "-" / ".") "://" (host | "[" literal "]")
        // [":" DIGIT*] then "/", "?" or the end; the host is not empty
        std::size_t pos = 0;
        while (pos < target.size() &&
               (isAlpha(target[pos]) || (pos > 0 && (isDigit(target[pos]) || target[pos] == '+' ||
                                                     target[pos] == '-' || target[pos] == '.')))) {
            ++pos;
        }
        if (pos == 0 || target.substr(pos, 3) != "://") {
            return false;
        }
        pos += 3;
        const std::size_t hostStart = pos;
        if (pos < target.size() && target[pos] == '[') {
            for (++pos; pos < target.size() && target[pos] != ']'; ++pos) {
                if (!isIpLiteralChar(target[pos])) {
                    return false;
                }
            }
            if (pos == target.size()) {
                return false;
            }
            ++pos;
        } else {
            while (pos < target.size() && (isAlpha(target[pos]) || isDigit(target[pos]) ||
                                           target[pos] == '.' || target[pos] == '-')) {
                ++pos;
            }
        }
        if (pos == hostStart) {
            return false;
        }
        if (pos < target.size() && target[pos] == ':') {
            for (++pos; pos < target.size() && isDigit(target[pos]); ++pos) {
            }
        }
        if (pos < target.size() && target[pos] != '/' && target[pos] != '?') {
            return false;
        }
        out.host.assign(target.substr(hostStart, pos - hostStart)); // with the port
        if (pos == target.size()) {
            out.path = "/";
            return true;
        }
        target = target.substr(pos);
        if (target.front() == '?') {
            out.path = "/";
            out.args.assign(target.substr(1));
            return true;
        }
    }
    // A '#' ends the path, or the args after a '?'; a '#' before any '?' leaves no args.
    const auto end = target.find_first_of("?#");
    out.path.assign(target.substr(0, end));
    if (end != std::string_view::npos && target[end] == '?') {
        const std::string_view args = target.substr(end + 1);
        out.args.assign(args.substr(0, args.find('#')));
    }
    return true;
}

bool normalizeUriPath(std::string_view raw, std::string& out)
{
    std::string decoded;
    decoded.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c != '%') {
            decoded.push_back(c);
            continue;
        }
        if (i + 2 >= raw.size()) {
            return false;
        }
        const int hi = hexValue(raw[i + 1]);
        const int lo = hexValue(raw[i + 2]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            return false;
        }
        decoded.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    // Segments after decoding, so "%2F" separates like '/'; "//" merges (merge_slashes on).
    std::vector<std::string_view> segments;
    bool trailingSlash = false;
    std::size_t pos = 0;
    while (pos <= decoded.size()) {
        const std::size_t end = std::min(decoded.find('/', pos), decoded.size());
        const std::string_view segment(decoded.data() + pos, end - pos);
        const bool last = end == decoded.size();
        if (segment == "..") {
            if (segments.empty()) {
                return false;
            }
            segments.pop_back();
        } else if (!segment.empty() && segment != ".") {
            segments.push_back(segment);
        }
        if (last) {
            trailingSlash = segment.empty() || segment == "." || segment == "..";
        }
        pos = end + 1;
    }
    out.assign("/");
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (i > 0) {
            out.push_back('/');
        }
        out.append(segments[i]);
    }
    if (trailingSlash && !segments.empty()) {
        out.push_back('/');
    }
    return true;
}

std::string unescapeUri(std::string_view text, bool plusAsSpace)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%' && i + 2 < text.size()) {
            const int hi = hexValue(text[i + 1]);
            const int lo = hexValue(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(plusAsSpace && c == '+' ? ' ' : c);
    }
    return out;
}

bool findArg(std::string_view args, std::string_view name, std::string_view& value)
{
    std::size_t pos = 0;
    while (pos <= args.size()) {
        const std::size_t end = std::min(args.find('&', pos), args.size());
        const std::string_view pair = args.substr(pos, end - pos);
        const std::size_t eq = pair.find('=');
        const std::string_view key = pair.substr(0, eq);
        if (equalsIgnoreCase(key, name)) {
            value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
            return true;
        }
        pos = end + 1;
    }
    return false;
}

} // namespace restyscope::engine::http
