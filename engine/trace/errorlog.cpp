#include "engine/trace/errorlog.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <unistd.h>

namespace restyscope::engine::trace {

namespace {

constexpr std::array<std::string_view, 8> levelNames = {"debug", "info", "notice", "warn",
                                                        "error", "crit", "alert",  "emerg"};

} // namespace

std::string_view logLevelName(LogLevel level)
{
    return levelNames[static_cast<std::size_t>(level)];
}

std::optional<LogLevel> parseLogLevel(std::string_view name)
{
    for (std::size_t i = 0; i < levelNames.size(); ++i) {
        if (levelNames[i] == name) {
            return static_cast<LogLevel>(i);
        }
    }
    return std::nullopt;
}

ErrorLog::ErrorLog() = default;

ErrorLog::~ErrorLog()
{
    if (m_file) {
        std::fclose(m_file);
    }
}

bool ErrorLog::open(const std::string& path, std::string& error)
{
    std::FILE* file = std::fopen(path.c_str(), "a");
    if (!file) {
        const int err = errno;
        error = "open() \"" + path + "\" failed (" + std::to_string(err) + ": " +
                std::strerror(err) + ")";
        return false;
    }
    // Line buffered: a crash or a test reading the log mid-run sees whole lines.
    std::setvbuf(file, nullptr, _IOLBF, 0);
    if (m_file) {
        std::fclose(m_file);
    }
    m_file = file;
    return true;
}

void ErrorLog::setLineObserver(std::function<void(LogLevel, std::string_view)> observer)
{
    m_observer = std::move(observer);
}

std::string ErrorLog::linePrefix(LogLevel level)
{
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    std::strftime(stamp, sizeof stamp, "%Y/%m/%d %H:%M:%S", &local);
    const auto pid = static_cast<long>(::getpid());
    std::string prefix;
    prefix.reserve(48);
    prefix.append(stamp).append(" [").append(logLevelName(level)).append("] ");
    prefix.append(std::to_string(pid)).append("#").append(std::to_string(pid)).append(": ");
    return prefix;
}

void ErrorLog::write(LogLevel level, std::uint64_t connection, std::string_view message)
{
    if (!enabled(level)) {
        return;
    }
    std::string line = linePrefix(level);
    if (connection != 0) {
        line.append("*").append(std::to_string(connection)).append(" ");
    }
    line.append(message);
    if (m_observer) {
        m_observer(level, line);
    }
    line.push_back('\n');
    if (m_file) {
        std::fwrite(line.data(), 1, line.size(), m_file);
    }
    if (m_mirrorToStderr || !m_file) {
        std::fwrite(line.data(), 1, line.size(), stderr);
    }
}

} // namespace restyscope::engine::trace
