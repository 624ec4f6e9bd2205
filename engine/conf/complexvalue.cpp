#include "engine/conf/complexvalue.h"

namespace restyscope::engine::conf {

namespace {

bool isNameChar(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
}

char toLower(char ch)
{
    return (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
}

void appendLiteral(std::vector<ComplexValue::Segment>& segments, std::string_view text)
{
    if (!segments.empty() && !segments.back().variable) {
        segments.back().text.append(text);
        return;
    }
    segments.push_back({false, std::string(text)});
}

} // namespace

std::optional<ComplexValue> ComplexValue::compile(std::string_view raw, std::string* error)
{
    ComplexValue value;
    value.m_raw = std::string(raw);
    if (raw.find('$') == std::string_view::npos) {
        if (!raw.empty()) {
            value.m_segments.push_back({false, std::string(raw)});
        }
        return value;
    }

    auto fail = [error](std::string message) -> std::optional<ComplexValue> {
        if (error) {
            *error = std::move(message);
        }
        return std::nullopt;
    };

    value.m_constant = false;
    std::size_t i = 0;
    while (i < raw.size()) {
        if (raw[i] != '$') {
            const std::size_t next = raw.find('$', i);
            const std::size_t end = next == std::string_view::npos ? raw.size() : next;
            appendLiteral(value.m_segments, raw.substr(i, end - i));
            i = end;
            continue;
        }
        if (++i == raw.size()) {
            return fail("invalid variable name");
        }
        // $1..$9: exactly one digit; "$10" is $1 followed by "0", as in nginx.
        if (raw[i] >= '1' && raw[i] <= '9') {
            value.m_segments.push_back({true, std::string(1, raw[i])});
            ++i;
            continue;
        }
        bool bracket = false;
        if (raw[i] == '{') {
            bracket = true;
            if (++i == raw.size()) {
                return fail("invalid variable name");
            }
        }
        std::string name;
        while (i < raw.size()) {
            const char ch = raw[i];
            if (ch == '}' && bracket) {
                ++i;
                bracket = false;
                break;
            }
            if (!isNameChar(ch)) {
                break;
            }
            name.push_back(toLower(ch));
            ++i;
        }
        if (bracket) {
            return fail("the closing bracket in \"" + name + "\" variable is missing");
        }
        if (name.empty()) {
            return fail("invalid variable name");
        }
        value.m_segments.push_back({true, std::move(name)});
    }
    return value;
}

ComplexValue ComplexValue::literal(std::string_view raw)
{
    ComplexValue value;
    value.m_raw = std::string(raw);
    if (!raw.empty()) {
        value.m_segments.push_back({false, std::string(raw)});
    }
    return value;
}

std::string ComplexValue::evaluate(const Lookup& lookup) const
{
    if (m_constant) {
        return m_raw;
    }
    std::string out;
    for (const Segment& segment : m_segments) {
        if (!segment.variable) {
            out.append(segment.text);
        } else if (lookup) {
            if (std::optional<std::string> v = lookup(segment.text)) {
                out.append(*v);
            }
        }
    }
    return out;
}

} // namespace restyscope::engine::conf
