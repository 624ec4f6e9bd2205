#pragma once
// Design: the error.log writer. Lines are formatted as nginx formats them
// ("2026/11/27 10:15:44 [error] 4195#4195: *3 message, client: ...") so that logs and
// conformance comparisons read the same as real nginx's. Engine thread only.

#include "engine/trace/loglevel.h"

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

namespace restyscope::engine::trace {

class ErrorLog
{
public:
    ErrorLog();
    ~ErrorLog();
    ErrorLog(const ErrorLog&) = delete;
    ErrorLog& operator=(const ErrorLog&) = delete;

    // Opens (appends to) the file; the previous file, if any, is closed. Returns false and
    // sets error to nginx's wording on failure.
    bool open(const std::string& path, std::string& error);
    void setLevel(LogLevel level) { m_level = level; }
    LogLevel level() const { return m_level; }
    void setMirrorToStderr(bool mirror) { m_mirrorToStderr = mirror; }
    // Called with every written line (without the trailing newline), e.g. to emit a trace event.
    void setLineObserver(std::function<void(LogLevel, std::string_view)> observer);

    bool enabled(LogLevel level) const { return level >= m_level; }
    // connection: nginx's "*N" connection serial; 0 writes none.
    void write(LogLevel level, std::uint64_t connection, std::string_view message);

    // "2026/11/27 10:15:44 [error] 123#123: " — the prefix every line starts with.
    static std::string linePrefix(LogLevel level);

private:
    std::FILE* m_file = nullptr;
    LogLevel m_level = LogLevel::Error;
    bool m_mirrorToStderr = false;
    std::function<void(LogLevel, std::string_view)> m_observer;
};

} // namespace restyscope::engine::trace
