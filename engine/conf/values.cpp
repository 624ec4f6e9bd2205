#include "engine/conf/values.h"

#include <algorithm>

#include <limits>

namespace restyscope::engine::conf {

namespace {

constexpr std::int64_t MaxValue = std::numeric_limits<std::int64_t>::max();

// The unit suffix of a size/offset, and the largest value before scaling.
std::optional<std::int64_t> parseScaled(std::string_view text, bool allowGiga)
{
    if (text.empty()) {
        return std::nullopt;
    }
    std::int64_t scale = 1;
    switch (text.back()) {
    case 'K':
    case 'k': scale = 1024; break;
    case 'M':
    case 'm': scale = 1024LL * 1024; break;
    case 'G':
    case 'g':
        if (allowGiga) {
            scale = 1024LL * 1024 * 1024;
        }
        break;
    default: break;
    }
    if (scale != 1) {
        text.remove_suffix(1);
    }
    const std::optional<std::int64_t> value = parseNumber(text);
    if (!value || *value > MaxValue / scale) {
        return std::nullopt;
    }
    return *value * scale;
}

} // namespace

std::optional<std::int64_t> parseNumber(std::string_view text)
{
    if (text.empty()) {
        return std::nullopt;
    }
    std::int64_t value = 0;
    for (const char ch : text) {
        if (ch < '0' || ch > '9') {
            return std::nullopt;
        }
        const int digit = ch - '0';
        if (value > (MaxValue - digit) / 10) {
            return std::nullopt;
        }
        value = value * 10 + digit;
    }
    return value;
}

std::optional<std::int64_t> parseSize(std::string_view text)
{
    return parseScaled(text, false);
}

std::optional<std::int64_t> parseOffset(std::string_view text)
{
    return parseScaled(text, true);
}

std::optional<std::int64_t> parseTime(std::string_view text, bool seconds)
{
    // Units must come in decreasing order, each at most once; "ms" only for milliseconds.
    enum Step { Start, Year, Month, Week, Day, Hour, Min, Sec, Msec, Last };
    Step step = seconds ? Start : Month;
    bool valid = false;
    std::int64_t value = 0;
    std::int64_t total = 0;
    std::size_t i = 0;

    while (i < text.size()) {
        const char ch = text[i];
        if (ch >= '0' && ch <= '9') {
            const int digit = ch - '0';
            if (value > (MaxValue - digit) / 10) {
                return std::nullopt;
            }
            value = value * 10 + digit;
            valid = true;
            ++i;
            continue;
        }
        ++i;
        std::int64_t scale = 1;
        Step next = Start;
        switch (ch) {
        case 'y':
            if (step > Start) {
                return std::nullopt;
            }
            next = Year;
            scale = 60LL * 60 * 24 * 365;
            break;
        case 'M':
            if (step >= Month) {
                return std::nullopt;
            }
            next = Month;
            scale = 60LL * 60 * 24 * 30;
            break;
        case 'w':
            if (step >= Week) {
                return std::nullopt;
            }
            next = Week;
            scale = 60LL * 60 * 24 * 7;
            break;
        case 'd':
            if (step >= Day) {
                return std::nullopt;
            }
            next = Day;
            scale = 60LL * 60 * 24;
            break;
        case 'h':
            if (step >= Hour) {
                return std::nullopt;
            }
            next = Hour;
            scale = 60LL * 60;
            break;
        case 'm':
            if (i < text.size() && text[i] == 's') {
                if (seconds || step >= Msec) {
                    return std::nullopt;
                }
                ++i;
                next = Msec;
                scale = 1;
                break;
            }
            if (step >= Min) {
                return std::nullopt;
            }
            next = Min;
            scale = 60;
            break;
        case 's':
            if (step >= Sec) {
                return std::nullopt;
            }
            next = Sec;
            scale = 1;
            break;
        case ' ':
            if (step >= Sec) {
                return std::nullopt;
            }
            next = Last;
            scale = 1;
            break;
        default: return std::nullopt;
        }
        step = next;
        if (step != Msec && !seconds) {
            scale *= 1000;
        }
        if (value > MaxValue / scale) {
            return std::nullopt;
        }
        value *= scale;
        if (total > MaxValue - value) {
            return std::nullopt;
        }
        total += value;
        value = 0;
        while (i < text.size() && text[i] == ' ') {
            ++i;
        }
    }

    if (!valid) {
        return std::nullopt;
    }
    if (!seconds) {
        if (value > MaxValue / 1000) {
            return std::nullopt;
        }
        value *= 1000;
    }
    if (total > MaxValue - value) {
        return std::nullopt;
    }
    return total + value;
}

std::string quoted(std::string_view name)
{
    return "\"" + std::string(name) + "\"";
}

bool equalsIgnoreCase(std::string_view a, std::string_view b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
        return lower(x) == lower(y);
    });
}

} // namespace restyscope::engine::conf
