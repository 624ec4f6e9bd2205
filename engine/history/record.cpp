#include "engine/history/record.h"

#include <cctype>

namespace restyscope::engine::history {

namespace {

bool allDigits(std::string_view s)
{
    if (s.empty()) {
        return false;
    }
    for (const char c : s) {
        if (!std::isdigit(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    return true;
}

int toLine(std::string_view digits)
{
    long line = 0;
    for (const char c : digits.substr(0, 9)) {
        line = line * 10 + (c - '0');
    }
    return static_cast<int>(line);
}

std::string_view trimmed(std::string_view s)
{
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '|' ||
                          s.back() == '@' || s.back() == ',' || s.back() == '(')) {
        s.remove_suffix(1);
    }
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    if (s.size() >= 3 && s.substr(s.size() - 3) == " at") {
        s.remove_suffix(3);
    } else if (s == "at") {
        s = {};
    }
    while (!s.empty() && s.back() == ' ') {
        s.remove_suffix(1);
    }
    return s;
}

// "lua/x.lua" or "@/abs/lua/x.lua": a name that reads as a Lua file.
bool looksLikeLuaFile(std::string_view s)
{
    return s.size() > 4 && s.substr(s.size() - 4) == ".lua" &&
           s.find(' ') == std::string_view::npos;
}

} // namespace

std::string_view coroutineStateName(CoroutineState state)
{
    switch (state) {
    case CoroutineState::Running: return "running";
    case CoroutineState::Waiting: return "waiting";
    case CoroutineState::Finished: return "finished";
    case CoroutineState::Failed: return "failed";
    case CoroutineState::Killed: return "killed";
    case CoroutineState::Abandoned: return "abandoned";
    }
    return "?";
}

std::string_view recordKindName(RecordKind kind)
{
    switch (kind) {
    case RecordKind::Request: return "request";
    case RecordKind::Subrequest: return "subrequest";
    case RecordKind::Timer: return "timer";
    }
    return "?";
}

const CoroutineRecord* RequestRecord::coroutine(std::uint32_t id) const
{
    for (auto it = coroutines.rbegin(); it != coroutines.rend(); ++it) {
        if (it->id == id) {
            return &*it;
        }
    }
    return nullptr;
}

void splitYieldText(std::string_view text, std::int64_t value, std::string& waitedOn,
                    SourcePos& source)
{
    source = {};
    // The scheduler's form (docs/trace-format.md): "FILE:LINE", a tab, what it waits on.
    if (const auto tab = text.find('\t'); tab != std::string_view::npos) {
        const std::string_view site = text.substr(0, tab);
        const auto colon = site.rfind(':');
        if (colon != std::string_view::npos && allDigits(site.substr(colon + 1))) {
            source.file = std::string(site.substr(0, colon));
            source.line = toLine(site.substr(colon + 1));
        }
        waitedOn = std::string(trimmed(text.substr(tab + 1)));
        return;
    }
    // A trailing "FILE:LINE" (FILE without spaces, possibly in parentheses).
    std::string_view body = text;
    while (!body.empty() && (body.back() == ')' || body.back() == ' ')) {
        body.remove_suffix(1);
    }
    const auto colon = body.rfind(':');
    if (colon != std::string_view::npos && allDigits(body.substr(colon + 1))) {
        const auto start = body.find_last_of(" \t(", colon);
        const std::size_t fileBegin = start == std::string_view::npos ? 0 : start + 1;
        const std::string_view file = body.substr(fileBegin, colon - fileBegin);
        // A Lua file or chunk name, not a peer address ("127.0.0.1:6379").
        const bool lua =
            file.find(".lua") != std::string_view::npos || (!file.empty() && file.back() == ')');
        if (lua) {
            source.file = std::string(file);
            source.line = toLine(body.substr(colon + 1));
            waitedOn = std::string(trimmed(text.substr(0, fileBegin)));
            return;
        }
    }
    // A bare Lua file, its line in the event's integer.
    const auto space = text.find_last_of(" \t");
    const std::string_view last = space == std::string_view::npos ? text : text.substr(space + 1);
    if (looksLikeLuaFile(last) && value > 0) {
        source.file = std::string(last);
        source.line = static_cast<int>(value);
        waitedOn = std::string(trimmed(text.substr(0, text.size() - last.size())));
        return;
    }
    waitedOn = std::string(text);
}

SourcePos errorSource(std::string_view message)
{
    // Lua's position prefix: "/abs/lua/broken.lua:3: attempt to ..." (or a chunk name
    // "content_by_lua(nginx.conf:12):3: ...", whose line is the one after the ')').
    SourcePos pos;
    std::size_t from = 0;
    if (message.substr(0, 1) != "/" && message.find("):") != std::string_view::npos &&
        message.find("):") < message.find(": ")) {
        from = message.find("):") + 1;
    }
    const auto colon = message.find(':', from);
    if (colon == std::string_view::npos || colon == 0) {
        return pos;
    }
    const auto end = message.find(':', colon + 1);
    if (end == std::string_view::npos) {
        return pos;
    }
    const std::string_view digits = message.substr(colon + 1, end - colon - 1);
    const std::string_view file = message.substr(0, colon);
    if (!allDigits(digits) || file.find(' ') != std::string_view::npos) {
        return pos;
    }
    pos.file = std::string(file);
    pos.line = toLine(digits);
    return pos;
}

} // namespace restyscope::engine::history
