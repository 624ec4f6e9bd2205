#pragma once
// Design: nginx's parsers for conf values (ngx_atoi, ngx_parse_size, ngx_parse_offset,
// ngx_parse_time), with its limits, so a value nginx rejects is rejected here too.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace restyscope::engine::conf {

// Decimal digits only, no sign; nullopt when empty, not a number or past INT64_MAX.
std::optional<std::int64_t> parseNumber(std::string_view text);
// "512", "8k", "1m" (ngx_parse_size; no "g").
std::optional<std::int64_t> parseSize(std::string_view text);
// "512", "8k", "1m", "2g" (ngx_parse_offset).
std::optional<std::int64_t> parseOffset(std::string_view text);
// "10s", "1m 30s", "500ms", "1h", plain number = seconds (ngx_parse_time). In
// milliseconds unless `seconds`, which is nginx's "is_sec" form ("ms" not allowed).
std::optional<std::int64_t> parseTime(std::string_view text, bool seconds = false);

// `"name"`: how nginx quotes a name in its messages.
std::string quoted(std::string_view name);
// ASCII case-insensitive equality (nginx's ngx_strcasecmp on equal lengths).
bool equalsIgnoreCase(std::string_view a, std::string_view b);

} // namespace restyscope::engine::conf
