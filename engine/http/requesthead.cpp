#include "engine/http/requesthead.h"

#include "engine/http/status.h"

#include <http_parser.h>

namespace restyscope::engine::http {

namespace {

bool knownToHttpParser(std::string_view method)
{
#define RESTYSCOPE_HTTP_METHOD(num, name, string)                                                  \
    if (method == #string) {                                                                       \
        return true;                                                                               \
    }
    HTTP_METHOD_MAP(RESTYSCOPE_HTTP_METHOD)
#undef RESTYSCOPE_HTTP_METHOD
    return false;
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

std::string_view trimCr(std::string_view line)
{
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    return line;
}

} // namespace

LineVerdict checkRequestLine(std::string_view line, RequestLine& out)
{
    line = trimCr(line);
    if (line.empty()) {
        return LineVerdict::skip(); // nginx skips empty lines before a request line
    }
    static const std::string invalid = "client sent invalid request";
    std::size_t pos = 0;
    while (pos < line.size() &&
           ((line[pos] >= 'A' && line[pos] <= 'Z') || line[pos] == '_' || line[pos] == '-')) {
        ++pos;
    }
    if (pos == 0 || pos >= line.size() || line[pos] != ' ') {
        return LineVerdict::fail(400, invalid);
    }
    out.method.assign(line.substr(0, pos));
    while (pos < line.size() && line[pos] == ' ') {
        ++pos;
    }
    const std::size_t targetStart = pos;
    while (pos < line.size() && line[pos] != ' ') {
        const auto c = static_cast<unsigned char>(line[pos]);
        if (c < 0x20 || c == 0x7f) {
            return LineVerdict::fail(400, invalid);
        }
        ++pos;
    }
    out.target.assign(line.substr(targetStart, pos - targetStart));
    if (out.target.empty() ||
        (out.target.front() != '/' && out.target.find("://") == std::string::npos)) {
        return LineVerdict::fail(400, invalid);
    }
    while (pos < line.size() && line[pos] == ' ') {
        ++pos;
    }
    if (pos == line.size()) {
        // HTTP/0.9: a GET with no version.
        if (out.method != "GET") {
            return LineVerdict::fail(400, invalid);
        }
        out.httpMajor = 0;
        out.httpMinor = 9;
        return LineVerdict::feed();
    }
    std::string_view version = line.substr(pos);
    while (!version.empty() && version.back() == ' ') {
        version.remove_suffix(1);
    }
    if (version.substr(0, 5) != "HTTP/") {
        return LineVerdict::fail(400, invalid);
    }
    out.protocol.assign(version);
    version.remove_prefix(5);
    const auto dot = version.find('.');
    if (dot == 0 || dot == std::string_view::npos || dot + 1 == version.size()) {
        return LineVerdict::fail(400, invalid);
    }
    if (version[0] == '0') {
        return LineVerdict::fail(400, invalid); // the major starts with 1-9 (no HTTP/0.9 here)
    }
    long major = 0;
    long minor = 0;
    for (std::size_t i = 0; i < version.size(); ++i) {
        if (i == dot) {
            continue;
        }
        if (!isDigit(version[i])) {
            return LineVerdict::fail(400, invalid);
        }
        long& part = i < dot ? major : minor;
        part = part * 10 + (version[i] - '0');
        if (part > (i < dot ? 99999 : 999)) {
            return LineVerdict::fail(400, invalid);
        }
    }
    out.httpMajor = static_cast<int>(major);
    out.httpMinor = static_cast<int>(minor);
    if (major > 1) {
        return LineVerdict::fail(505, "client sent unsupported HTTP version");
    }
    // http-parser takes one digit per part; what it needs from the version is whether it
    // is 1.0 or 1.1+ (keep-alive, chunked), and the major is 1 here.
    const std::string fedVersion = minor == 0 ? " HTTP/1.0" : " HTTP/1.1";
    // An absolute-form target is checked by splitRequestTarget with nginx's rules;
    // http-parser's own URL rules are stricter (a scheme of letters only).
    const std::string fedTarget = out.target.front() == '/' ? out.target : std::string("/");
    if (out.method == "TRACE" || out.method == "CONNECT") {
        // Checked after the head in nginx; the status is the same.
        out.fedLine = "GET " + fedTarget + fedVersion;
        return LineVerdict::feed();
    }
    // http-parser knows a fixed set of methods; nginx takes any [A-Z_]+ one.
    const std::string method = knownToHttpParser(out.method) ? out.method : std::string("GET");
    out.fedLine = method + " " + fedTarget + fedVersion;
    return LineVerdict::feed();
}

LineVerdict checkHeaderLine(std::string_view line, std::string& fedLine)
{
    line = trimCr(line);
    static const std::string invalidLine = "client sent invalid header line";
    bool ignored = false;
    std::size_t pos = 0;
    for (; pos < line.size(); ++pos) {
        const char c = line[pos];
        const auto byte = static_cast<unsigned char>(c);
        if (c == ':') {
            break;
        }
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || c == '-') {
            continue;
        }
        if (byte <= 0x20 || byte == 0x7f) {
            return LineVerdict::fail(400, invalidLine);
        }
        ignored = true; // '_' and other characters: ignore_invalid_headers
    }
    if (pos == 0) {
        return LineVerdict::fail(400, invalidLine);
    }
    for (std::size_t i = pos; i < line.size(); ++i) {
        if (line[i] == '\0') {
            return LineVerdict::fail(400, invalidLine);
        }
    }
    if (ignored) {
        return LineVerdict::skip();
    }
    static constexpr std::string_view te = "transfer-encoding";
    std::string_view name = line.substr(0, pos);
    bool isTe = name.size() == te.size();
    for (std::size_t i = 0; isTe && i < te.size(); ++i) {
        const char c = name[i] >= 'A' && name[i] <= 'Z' ? static_cast<char>(name[i] + 32) : name[i];
        isTe = c == te[i];
    }
    if (isTe) {
        std::string_view value = pos < line.size() ? line.substr(pos + 1) : std::string_view();
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
            value.remove_prefix(1);
        }
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
            value.remove_suffix(1);
        }
        std::string lower(value);
        for (char& c : lower) {
            c = c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
        }
        if (lower != "chunked") {
            return LineVerdict::fail(501, "client sent unknown \"Transfer-Encoding\": \"" +
                                              std::string(value) + "\"");
        }
    }
    fedLine.assign(line);
    if (pos == line.size()) {
        fedLine.push_back(':');
    }
    return LineVerdict::feed();
}

int HeaderBuffers::place(std::size_t lineBytes, bool requestLine)
{
    if (m_used + lineBytes <= m_capacity) {
        m_used += lineBytes;
        return 0;
    }
    // The line moves whole into a fresh large buffer.
    if (lineBytes > m_largeSize || m_largeUsed >= m_largeBuffers) {
        return requestLine ? 414 : kStatusHeaderTooLarge;
    }
    ++m_largeUsed;
    m_capacity = m_largeSize;
    m_used = lineBytes;
    return 0;
}

int HeaderBuffers::checkPartial(std::size_t bytesSoFar, bool requestLine) const
{
    if (m_used + bytesSoFar <= m_capacity) {
        return 0;
    }
    if (bytesSoFar > m_largeSize || m_largeUsed >= m_largeBuffers) {
        return requestLine ? 414 : kStatusHeaderTooLarge;
    }
    return 0;
}

bool validateHost(std::string_view raw, std::string& host, HostBytes rules)
{
    host.clear();
    // The whole value is checked, the port too; the host part ends at the first ':' (or
    // after an IPv6 literal's ']').
    enum class State { Usual, Literal, Rest } state = State::Usual;
    std::size_t dotPos = std::string_view::npos;
    std::size_t end = raw.size();
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const auto c = static_cast<unsigned char>(raw[i]);
        switch (c) {
        case '.':
            if (dotPos != std::string_view::npos && dotPos + 1 == i) {
                return false;
            }
            dotPos = i;
            break;
        case ':':
            if (state == State::Usual) {
                end = i;
                state = State::Rest;
            }
            break;
        case '[':
            if (i == 0) {
                state = State::Literal;
            }
            break;
        case ']':
            if (state == State::Literal) {
                end = i + 1;
                state = State::Rest;
            }
            break;
        default:
            if (c == '/' || c == '\0' ||
                (rules == HostBytes::RequestHead && (c <= 0x20 || c == 0x7f))) {
                return false;
            }
            break;
        }
    }
    std::string_view name = raw.substr(0, end);
    if (dotPos != std::string_view::npos && dotPos + 1 == end) {
        name.remove_suffix(1);
    }
    if (name.empty()) {
        return false;
    }
    host.reserve(name.size());
    for (const char c : name) {
        host.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
    return true;
}

} // namespace restyscope::engine::http
