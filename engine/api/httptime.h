#pragma once
// nginx's calendar helpers as ngx.http_time, ngx.cookie_time, ngx.parse_http_time,
// ngx.today, ngx.localtime and ngx.utctime use them (ngx_gmtime, ngx_http_time,
// ngx_http_cookie_time, ngx_parse_http_time).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace restyscope::engine::api {

struct CivilTime
{
    int year = 1970;
    int month = 1; // 1..12
    int day = 1;   // 1..31
    int hour = 0;
    int minute = 0;
    int second = 0;
    int weekday = 4; // 0 = Sunday
};

// ngx_gmtime: negative times count as 0, times past 9999-12-31 23:59:59 are clamped to it.
CivilTime gmTime(std::int64_t seconds);

// "Thu, 18 Nov 2010 11:27:35 GMT"
std::string httpTime(std::int64_t seconds);
// "Thu, 18-Nov-10 11:27:35 GMT" (the year in full after 2037)
std::string cookieTime(std::int64_t seconds);
// RFC 1123, RFC 850 and asctime forms, as ngx_parse_http_time accepts them; nullopt for what
// it refuses. The result may be negative (dates before 1970).
std::optional<std::int64_t> parseHttpTime(std::string_view text);

// "2010-11-18" and "2010-11-18 11:27:35".
std::string formatDate(const CivilTime& t);
std::string formatDateTime(const CivilTime& t);

} // namespace restyscope::engine::api
