#include "engine/api/socketread.h"

#include <algorithm>

namespace restyscope::engine::api::cosocket {

namespace {

// "*l" drops every CR of the line, not only the one before the LF (as nginx's reader).
std::string withoutCr(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        if (c != '\r') {
            out.push_back(c);
        }
    }
    return out;
}

std::string take(std::string& buffer, std::size_t n)
{
    std::string out = buffer.substr(0, n);
    buffer.erase(0, n);
    return out;
}

ReadOutcome done(std::string data, bool found = false)
{
    return {true, found, std::move(data)};
}

ReadOutcome consumeUntil(std::string& buffer, const ReadSpec& spec)
{
    const std::size_t at = buffer.find(spec.pattern);
    if (at != std::string::npos) {
        if (spec.size == 0 || at <= spec.size) {
            std::string data = take(buffer, at);
            buffer.erase(0, spec.pattern.size());
            if (spec.inclusive) {
                data += spec.pattern;
            }
            return done(std::move(data), true);
        }
        return done(take(buffer, spec.size));
    }
    const std::size_t confirmed = buffer.size() - pendingPrefix(buffer, spec.pattern);
    if (spec.size > 0 && confirmed >= spec.size) {
        return done(take(buffer, spec.size));
    }
    return {};
}

} // namespace

std::size_t pendingPrefix(const std::string& data, const std::string& pattern)
{
    const std::size_t longest = std::min(data.size(), pattern.size() - 1);
    for (std::size_t k = longest; k > 0; --k) {
        if (data.compare(data.size() - k, k, pattern, 0, k) == 0) {
            return k;
        }
    }
    return 0;
}

ReadOutcome consume(std::string& buffer, const ReadSpec& spec, bool eof)
{
    switch (spec.mode) {
    case ReadMode::Line: {
        const std::size_t nl = buffer.find('\n');
        if (nl == std::string::npos) {
            return {};
        }
        std::string line = withoutCr(std::string_view(buffer).substr(0, nl));
        buffer.erase(0, nl + 1);
        return done(std::move(line));
    }
    case ReadMode::All:
        if (!eof) {
            return {};
        }
        return done(take(buffer, buffer.size()));
    case ReadMode::Size:
        if (buffer.size() < spec.size) {
            return {};
        }
        return done(take(buffer, spec.size));
    case ReadMode::Any:
        if (buffer.empty()) {
            return {};
        }
        return done(take(buffer, std::min(spec.size, buffer.size())));
    case ReadMode::Until: return consumeUntil(buffer, spec);
    }
    return {};
}

std::string partialOf(std::string& buffer, const ReadSpec& spec, bool closed)
{
    switch (spec.mode) {
    case ReadMode::Line: {
        std::string out = withoutCr(buffer);
        buffer.clear();
        return out;
    }
    case ReadMode::Until:
        if (!closed) {
            return take(buffer, buffer.size() - pendingPrefix(buffer, spec.pattern));
        }
        return take(buffer, buffer.size());
    case ReadMode::All:
    case ReadMode::Size:
    case ReadMode::Any: break;
    }
    return take(buffer, buffer.size());
}

} // namespace restyscope::engine::api::cosocket
