#include "engine/api/httptime.h"

#include <cstdio>

namespace restyscope::engine::api {

namespace {

constexpr const char* kWeekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr int kMonthDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

// 9999-12-31 in days since 1970-01-01: nginx's upper bound.
constexpr std::int64_t kLastDay = 2932896;

// Days since 1970-01-01 of a proleptic Gregorian date (month 1..12; day may be 0).
std::int64_t daysFromCivil(std::int64_t year, int month, int day)
{
    year -= month <= 2 ? 1 : 0;
    const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
    const std::int64_t yearOfEra = year - era * 400;
    const std::int64_t monthFromMarch = month > 2 ? month - 3 : month + 9;
    const std::int64_t dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1;
    const std::int64_t dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146097 + dayOfEra - 719468;
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// A cursor that reads NUL past the end, so the format checks below fail cleanly.
struct Cursor
{
    std::string_view text;
    std::size_t pos = 0;

    char at(std::size_t offset = 0) const
    {
        return pos + offset < text.size() ? text[pos + offset] : '\0';
    }
    std::size_t left() const { return pos <= text.size() ? text.size() - pos : 0; }
    bool digits(std::size_t count) const
    {
        for (std::size_t i = 0; i < count; ++i) {
            if (!isDigit(at(i))) {
                return false;
            }
        }
        return true;
    }
    int number(std::size_t count)
    {
        int value = 0;
        for (std::size_t i = 0; i < count; ++i) {
            value = value * 10 + (at(i) - '0');
        }
        pos += count;
        return value;
    }
};

} // namespace

CivilTime gmTime(std::int64_t seconds)
{
    if (seconds < 0) {
        seconds = 0;
    }
    std::int64_t days = seconds / 86400;
    std::int64_t secs = seconds % 86400;
    if (days > kLastDay) {
        days = kLastDay;
        secs = 86399;
    }
    CivilTime t;
    t.weekday = static_cast<int>((4 + days) % 7);
    t.hour = static_cast<int>(secs / 3600);
    t.minute = static_cast<int>(secs % 3600 / 60);
    t.second = static_cast<int>(secs % 60);
    // Civil date from days (Howard Hinnant's algorithm), all values non-negative here.
    const std::int64_t z = days + 719468;
    const std::int64_t era = z / 146097;
    const std::int64_t dayOfEra = z - era * 146097;
    const std::int64_t yearOfEra =
        (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
    const std::int64_t dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    const std::int64_t monthFromMarch = (5 * dayOfYear + 2) / 153;
    t.day = static_cast<int>(dayOfYear - (153 * monthFromMarch + 2) / 5 + 1);
    t.month = static_cast<int>(monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9);
    t.year = static_cast<int>(yearOfEra + era * 400 + (t.month <= 2 ? 1 : 0));
    return t;
}

std::string httpTime(std::int64_t seconds)
{
    const CivilTime t = gmTime(seconds);
    char buffer[48];
    const int n = std::snprintf(buffer, sizeof buffer, "%s, %02d %s %4d %02d:%02d:%02d GMT",
                                kWeekdays[t.weekday], t.day, kMonths[t.month - 1], t.year, t.hour,
                                t.minute, t.second);
    return std::string(buffer, static_cast<std::size_t>(n));
}

std::string cookieTime(std::int64_t seconds)
{
    const CivilTime t = gmTime(seconds);
    // Old browsers read two-digit years only up to "37".
    const bool fullYear = t.year > 2037;
    char buffer[48];
    const int n = std::snprintf(buffer, sizeof buffer,
                                fullYear ? "%s, %02d-%s-%d %02d:%02d:%02d GMT"
                                         : "%s, %02d-%s-%02d %02d:%02d:%02d GMT",
                                kWeekdays[t.weekday], t.day, kMonths[t.month - 1],
                                fullYear ? t.year : t.year % 100, t.hour, t.minute, t.second);
    return std::string(buffer, static_cast<std::size_t>(n));
}

std::optional<std::int64_t> parseHttpTime(std::string_view text)
{
    enum class Format { Unknown, Rfc822, Rfc850, Asctime };
    Format format = Format::Unknown;
    Cursor p{text, 0};

    // The weekday ends at ',' (RFC 822/850) or ' ' (asctime).
    while (p.pos < text.size() && text[p.pos] != ',' && text[p.pos] != ' ') {
        ++p.pos;
    }
    if (p.pos < text.size() && text[p.pos] == ' ') {
        format = Format::Asctime;
    }
    ++p.pos;
    while (p.pos < text.size() && text[p.pos] == ' ') {
        ++p.pos;
    }
    if (p.pos > text.size() || p.left() < 18) {
        return std::nullopt;
    }

    int day = 0;
    if (format != Format::Asctime) {
        if (!p.digits(2)) {
            return std::nullopt;
        }
        day = p.number(2);
        if (p.at() == ' ') {
            if (p.left() < 18) {
                return std::nullopt;
            }
            format = Format::Rfc822;
        } else if (p.at() == '-') {
            format = Format::Rfc850;
        } else {
            return std::nullopt;
        }
        ++p.pos;
    }

    int month = 0; // 0-based
    switch (p.at()) {
    case 'J': month = p.at(1) == 'a' ? 0 : (p.at(2) == 'n' ? 5 : 6); break;
    case 'F': month = 1; break;
    case 'M': month = p.at(2) == 'r' ? 2 : 4; break;
    case 'A': month = p.at(1) == 'p' ? 3 : 7; break;
    case 'S': month = 8; break;
    case 'O': month = 9; break;
    case 'N': month = 10; break;
    case 'D': month = 11; break;
    default: return std::nullopt;
    }
    p.pos += 3;
    if ((format == Format::Rfc822 && p.at() != ' ') ||
        (format == Format::Rfc850 && p.at() != '-')) {
        return std::nullopt;
    }
    ++p.pos;

    int year = 0;
    if (format == Format::Rfc822) {
        if (!p.digits(4)) {
            return std::nullopt;
        }
        year = p.number(4);
    } else if (format == Format::Rfc850) {
        if (!p.digits(2)) {
            return std::nullopt;
        }
        year = p.number(2);
        year += year < 70 ? 2000 : 1900;
    } else {
        if (p.at() == ' ') {
            ++p.pos;
        }
        if (!isDigit(p.at())) {
            return std::nullopt;
        }
        day = p.number(1);
        if (p.at() != ' ') {
            if (!isDigit(p.at())) {
                return std::nullopt;
            }
            day = day * 10 + p.number(1);
        }
        if (p.left() < 14) {
            return std::nullopt;
        }
    }

    if (p.at() != ' ') {
        return std::nullopt;
    }
    ++p.pos;
    if (!p.digits(2)) {
        return std::nullopt;
    }
    const int hour = p.number(2);
    if (p.at() != ':') {
        return std::nullopt;
    }
    ++p.pos;
    if (!p.digits(2)) {
        return std::nullopt;
    }
    const int minute = p.number(2);
    if (p.at() != ':') {
        return std::nullopt;
    }
    ++p.pos;
    if (!p.digits(2)) {
        return std::nullopt;
    }
    const int second = p.number(2);
    if (format == Format::Asctime) {
        if (p.at() != ' ') {
            return std::nullopt;
        }
        ++p.pos;
        if (!p.digits(4)) {
            return std::nullopt;
        }
        year = p.number(4);
    }

    if (hour > 23 || minute > 59 || second > 59) {
        return std::nullopt;
    }
    if (day == 29 && month == 1) {
        const bool leap = (year % 4 == 0) && (year % 100 != 0 || year % 400 == 0);
        if (!leap) {
            return std::nullopt;
        }
    } else if (day > kMonthDays[month]) {
        return std::nullopt;
    }
    return daysFromCivil(year, month + 1, day) * 86400 + hour * 3600 + minute * 60 + second;
}

std::string formatDate(const CivilTime& t)
{
    char buffer[32];
    const int n = std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", t.year, t.month, t.day);
    return std::string(buffer, static_cast<std::size_t>(n));
}

std::string formatDateTime(const CivilTime& t)
{
    char buffer[48];
    const int n = std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d %02d:%02d:%02d", t.year,
                                t.month, t.day, t.hour, t.minute, t.second);
    return std::string(buffer, static_cast<std::size_t>(n));
}

} // namespace restyscope::engine::api
