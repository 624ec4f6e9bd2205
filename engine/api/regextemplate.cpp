#include "engine/api/regextemplate.h"

namespace restyscope::engine::api {

namespace {

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

bool isNameChar(char c)
{
    return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

std::nullopt_t fail(std::string* error, std::string message)
{
    if (error) {
        *error = std::move(message);
    }
    return std::nullopt;
}

void addLiteral(ReplaceTemplate& tpl, std::string_view text)
{
    if (tpl.pieces.empty() || tpl.pieces.back().capture >= 0) {
        tpl.pieces.push_back({});
    }
    tpl.pieces.back().literal.append(text);
}

} // namespace

std::optional<ReplaceTemplate> compileReplaceTemplate(std::string_view text, std::string* error)
{
    const std::string invalid =
        "lua script: invalid capturing variable name found in \"" + std::string(text) + "\"";
    ReplaceTemplate tpl;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] != '$') {
            const std::size_t next = text.find('$', i);
            const std::size_t end = next == std::string_view::npos ? text.size() : next;
            addLiteral(tpl, text.substr(i, end - i));
            i = end;
            continue;
        }
        ++i;
        if (i < text.size() && text[i] == '$') {
            addLiteral(tpl, "$");
            ++i;
            continue;
        }
        const bool bracket = i < text.size() && text[i] == '{';
        if (bracket) {
            ++i;
        }
        if (i >= text.size() || !isNameChar(text[i])) {
            return fail(error, invalid);
        }
        if (!isDigit(text[i])) {
            std::size_t end = i;
            while (end < text.size() && isNameChar(text[end])) {
                ++end;
            }
            return fail(error, "attempt to use named capturing variable \"" +
                                   std::string(text.substr(i, end - i)) +
                                   "\" (named captures not supported yet)");
        }
        const std::size_t start = i;
        int n = 0;
        while (i < text.size() && isDigit(text[i])) {
            n = n * 10 + (text[i] - '0');
            if (n > 1000000) {
                return fail(error, invalid);
            }
            ++i;
        }
        if (bracket) {
            if (i >= text.size() || text[i] != '}') {
                return fail(error, "the closing bracket in \"" +
                                       std::string(text.substr(start, i - start)) +
                                       "\" variable is missing");
            }
            ++i;
        }
        ReplaceTemplate::Piece piece;
        piece.capture = n;
        tpl.pieces.push_back(std::move(piece));
    }
    return tpl;
}

void expandReplaceTemplate(const ReplaceTemplate& tpl, std::string_view subject,
                           std::span<const std::size_t> ovector, int pairs, std::string& out)
{
    for (const ReplaceTemplate::Piece& piece : tpl.pieces) {
        if (piece.capture < 0) {
            out += piece.literal;
            continue;
        }
        const auto n = static_cast<std::size_t>(piece.capture);
        if (piece.capture >= pairs || 2 * n + 1 >= ovector.size()) {
            continue;
        }
        const std::size_t from = ovector[2 * n];
        const std::size_t to = ovector[2 * n + 1];
        if (from == static_cast<std::size_t>(-1) || to < from || to > subject.size()) {
            continue;
        }
        out.append(subject.substr(from, to - from));
    }
}

} // namespace restyscope::engine::api
