#include "engine/api/respheaders.h"

#include "engine/api/codec.h"
#include "engine/api/httptime.h"
#include "engine/http/response.h"

#include <limits>

namespace restyscope::engine::api {

namespace {

enum class Handler { Generic, Builtin, Location, LastModified, ContentLength, ContentType, Multi };

struct Special
{
    std::string_view name;
    Handler handler;
    int slot; // index into ResponseHeaderState::builtin, -1 for none
};

// lua-nginx-module's table of headers with a headers_out field of their own.
constexpr Special kSpecials[] = {
    {"Server", Handler::Builtin, 0},
    {"Date", Handler::Builtin, 1},
    {"Content-Encoding", Handler::Builtin, 2},
    {"Location", Handler::Location, 3},
    {"Refresh", Handler::Builtin, 4},
    {"Last-Modified", Handler::LastModified, 5},
    {"Content-Range", Handler::Builtin, 6},
    {"Accept-Ranges", Handler::Builtin, 7},
    {"WWW-Authenticate", Handler::Builtin, 8},
    {"Expires", Handler::Builtin, 9},
    {"E-Tag", Handler::Builtin, 10},
    {"ETag", Handler::Builtin, 10},
    {"Content-Length", Handler::ContentLength, 11},
    {"Content-Type", Handler::ContentType, -1},
    {"Cache-Control", Handler::Multi, -1},
    {"Link", Handler::Multi, -1},
};

constexpr std::size_t kMaxValues = 100;

bool sameName(std::string_view a, std::string_view b)
{
    return http::equalsIgnoreCase(a, b);
}

const Special* findSpecial(std::string_view name)
{
    for (const Special& special : kSpecials) {
        if (sameName(special.name, name)) {
            return &special;
        }
    }
    return nullptr;
}

bool slotNameMatches(int slot, std::string_view name)
{
    for (const Special& special : kSpecials) {
        if (special.slot == slot && sameName(special.name, name)) {
            return true;
        }
    }
    return false;
}

// The entry a built-in pointer refers to, or -1 (also when the list changed under it).
int pointerOf(const http::ResponseHeaders& headers, const ResponseHeaderState& state, int slot)
{
    const int index = state.builtin[static_cast<std::size_t>(slot)];
    if (index < 0 || static_cast<std::size_t>(index) >= headers.headers.size() ||
        !slotNameMatches(slot, headers.headers[static_cast<std::size_t>(index)].name)) {
        return -1;
    }
    return index;
}

bool live(const http::HeaderField& field)
{
    return !field.value.empty();
}

// ngx_http_set_header_helper: override the live entries of that name (the first keeps its
// spelling and gets the value, the others are cleared), else append one. noCreate: an empty
// value with nothing to clear adds nothing. Returns the entry the pointer should take.
int setGeneric(http::ResponseHeaders& headers, std::string_view name, std::string_view value,
               bool override, bool noCreate)
{
    if (override) {
        int last = -1;
        bool matched = false;
        for (std::size_t i = 0; i < headers.headers.size(); ++i) {
            http::HeaderField& field = headers.headers[i];
            if (!live(field) || !sameName(field.name, name)) {
                continue;
            }
            if (value.empty() || matched) {
                field.value.clear();
            } else {
                field.value.assign(value);
            }
            last = static_cast<int>(i);
            matched = true;
        }
        if (matched) {
            return last;
        }
        if (noCreate && value.empty()) {
            return -1;
        }
    }
    // A cleared built-in still needs its (empty) slot: nginx creates it hidden.
    headers.headers.push_back({std::string(name), std::string(value)});
    return static_cast<int>(headers.headers.size()) - 1;
}

// ngx_http_set_builtin_header: an existing pointer is rewritten in place, name included.
void setBuiltin(http::ResponseHeaders& headers, ResponseHeaderState& state, int slot,
                std::string_view name, std::string_view value, bool override)
{
    const int index = pointerOf(headers, state, slot);
    if (index < 0) {
        state.builtin[static_cast<std::size_t>(slot)] =
            setGeneric(headers, name, value, override, false);
        return;
    }
    http::HeaderField& field = headers.headers[static_cast<std::size_t>(index)];
    if (!value.empty()) {
        field.name.assign(name);
    }
    field.value.assign(value);
}

// Cache-Control and Link keep every line they made; override rewrites the first and
// clears the rest, an added value reuses a cleared line before making a new one.
void setMulti(http::ResponseHeaders& headers, std::string_view canonical, std::string_view name,
              std::string_view value, bool override)
{
    std::vector<std::size_t> chain;
    for (std::size_t i = 0; i < headers.headers.size(); ++i) {
        if (sameName(headers.headers[i].name, canonical)) {
            chain.push_back(i);
        }
    }
    if (!override) {
        for (const std::size_t i : chain) {
            if (!live(headers.headers[i])) {
                headers.headers[i].value.assign(value);
                return;
            }
        }
    } else if (!chain.empty()) {
        for (std::size_t k = 1; k < chain.size(); ++k) {
            headers.headers[chain[k]].value.clear();
        }
        headers.headers[chain.front()].value.assign(value);
        return;
    }
    headers.headers.push_back({std::string(name), std::string(value)});
}

} // namespace

bool parseContentLength(std::string_view text, std::int64_t& out)
{
    if (text.empty()) {
        return false;
    }
    std::int64_t value = 0;
    constexpr std::int64_t limit = std::numeric_limits<std::int64_t>::max();
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
        const int digit = c - '0';
        if (value > (limit - digit) / 10) {
            return false;
        }
        value = value * 10 + digit;
    }
    out = value;
    return true;
}

std::string transformUnderscores(std::string_view name)
{
    std::string out(name);
    for (char& c : out) {
        if (c == '_') {
            c = '-';
        }
    }
    return out;
}

bool setOutputHeader(http::ResponseHeaders& headers, ResponseHeaderState& state,
                     std::string_view rawName, std::string_view rawValue, bool override)
{
    const std::string name = escapeUri(rawName, EscapeType::HeaderName);
    const std::string value = escapeUri(rawValue, EscapeType::HeaderValue);
    const Special* special = findSpecial(name);
    const Handler handler = special ? special->handler : Handler::Generic;
    switch (handler) {
    case Handler::Generic: setGeneric(headers, name, value, override, false); return true;
    case Handler::Builtin:
        setBuiltin(headers, state, special->slot, name, value, override);
        return true;
    case Handler::Location: {
        setBuiltin(headers, state, special->slot, name, value, override);
        // A relative Location is left out of headers_out.location, so nginx's header
        // filter does not make it absolute; the next set finds the line by name.
        const int index = pointerOf(headers, state, special->slot);
        if (index >= 0) {
            const std::string& set = headers.headers[static_cast<std::size_t>(index)].value;
            if (!set.empty() && set.front() == '/') {
                state.builtin[static_cast<std::size_t>(special->slot)] = -1;
            }
        }
        return true;
    }
    case Handler::LastModified:
        if (value.empty()) {
            state.lastModifiedTime = -1;
        } else {
            const auto parsed = parseHttpTime(value);
            state.lastModifiedTime = parsed ? *parsed : -1;
        }
        setBuiltin(headers, state, special->slot, name, value, override);
        return true;
    case Handler::ContentLength: {
        if (value.empty()) {
            headers.contentLength = -1;
            setBuiltin(headers, state, special->slot, name, value, override);
            return true;
        }
        std::int64_t length = 0;
        if (!parseContentLength(value, length)) {
            return false;
        }
        headers.contentLength = length;
        setBuiltin(headers, state, special->slot, name, value, override);
        return true;
    }
    case Handler::ContentType:
        headers.contentType = value;
        state.mimeSet = true;
        // Any Content-Type line in the list is cleared; none is made.
        setGeneric(headers, name, {}, override, true);
        return true;
    case Handler::Multi: setMulti(headers, special->name, name, value, override); return true;
    }
    return true;
}

bool assignResponseHeader(http::ResponseHeaders& headers, ResponseHeaderState& state,
                          std::string_view key, const std::vector<std::string>* values)
{
    const std::string name = transformUnderscores(key);
    state.headersSet = true;
    if (!values || values->empty()) {
        return setOutputHeader(headers, state, name, {}, true);
    }
    for (std::size_t i = 0; i < values->size(); ++i) {
        if (!setOutputHeader(headers, state, name, (*values)[i], i == 0)) {
            return false;
        }
    }
    return true;
}

std::vector<std::string> getOutputHeader(const http::ResponseHeaders& headers,
                                         const ResponseHeaderState& state, std::string_view name)
{
    if (sameName(name, "Content-Length") && pointerOf(headers, state, 11) < 0 &&
        headers.contentLength >= 0) {
        return {std::to_string(headers.contentLength)};
    }
    if (sameName(name, "Content-Type") && !headers.contentType.empty()) {
        return {headers.contentType};
    }
    if (sameName(name, "Last-Modified")) {
        if (state.lastModifiedTime >= 0) {
            return {httpTime(state.lastModifiedTime)};
        }
        return {};
    }
    std::vector<std::string> values;
    for (const http::HeaderField& field : headers.headers) {
        if (live(field) && sameName(field.name, name)) {
            values.push_back(field.value);
            if (values.size() >= kMaxValues) {
                break;
            }
        }
    }
    return values;
}

} // namespace restyscope::engine::api
