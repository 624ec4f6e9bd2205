#pragma once

#include <optional>
#include <string_view>

namespace restyscope::engine::trace {

// nginx's error-log levels, most verbose first (ngx.DEBUG is 8, ngx.STDERR 0 in Lua).
enum class LogLevel { Debug, Info, Notice, Warn, Error, Crit, Alert, Emerg };

std::string_view logLevelName(LogLevel level);
std::optional<LogLevel> parseLogLevel(std::string_view name);

} // namespace restyscope::engine::trace
