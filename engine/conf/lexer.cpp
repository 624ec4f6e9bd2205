#include "engine/conf/lexer.h"

#include <algorithm>

namespace restyscope::engine::conf {

namespace {

bool isSpace(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

// nginx unescapes \" \' \\ \t \r \n in every word, quoted or not; any other backslash
// stays as written.
std::string unescapeWord(std::string_view text, std::size_t begin, std::size_t end)
{
    std::string word;
    word.reserve(end - begin);
    std::size_t i = begin;
    while (i < end) {
        if (text[i] == '\\' && i + 1 < text.size()) {
            switch (text[i + 1]) {
            case '"':
            case '\'':
            case '\\': ++i; break;
            case 't':
                word.push_back('\t');
                i += 2;
                continue;
            case 'r':
                word.push_back('\r');
                i += 2;
                continue;
            case 'n':
                word.push_back('\n');
                i += 2;
                continue;
            default: break;
            }
        }
        word.push_back(text[i++]);
    }
    return word;
}

int countLines(std::string_view text, std::size_t begin, std::size_t end)
{
    return static_cast<int>(std::count(text.begin() + static_cast<std::ptrdiff_t>(begin),
                                       text.begin() + static_cast<std::ptrdiff_t>(end), '\n'));
}

// The tokens of lua-nginx-module's block lexer, in its priority order: where two start at
// the same byte the earlier kind wins ("--[[" is a long comment, not a line comment).
enum class LuaToken {
    None,
    LeftCurly,
    RightCurly,
    LongString,       // [=*[ (opening only; the closing bracket is searched separately)
    LongComment,      // --[=*[
    RightLongBracket, // ]=*]  (ignored, but it consumes the text)
    LineComment,      // --[^\n]*
    DoubleQuoted,     // "(?:\\[^\n]|[^"\n\\])*"
    SingleQuoted,     // '(?:\\[^\n]|[^'\n\\])*'
};

struct LuaMatch
{
    LuaToken kind = LuaToken::None;
    std::size_t begin = 0;
    std::size_t end = 0;
    std::size_t equals = 0; // '=' count of a long bracket
};

// Length of "[=*[" (or "]=*]" with open == ']') at `i`, 0 when there is none before `last`.
std::size_t longBracketAt(std::string_view text, std::size_t i, std::size_t last, char bracket)
{
    if (i >= last || text[i] != bracket) {
        return 0;
    }
    std::size_t j = i + 1;
    while (j < last && text[j] == '=') {
        ++j;
    }
    return (j < last && text[j] == bracket) ? j + 1 - i : 0;
}

// End of a quoted string starting at `i`, 0 when it does not close on this line in range.
std::size_t quotedEnd(std::string_view text, std::size_t i, std::size_t last, char quote)
{
    std::size_t j = i + 1;
    while (j < last) {
        const char ch = text[j];
        if (ch == '\n') {
            return 0;
        }
        if (ch == '\\') {
            if (j + 1 >= last || text[j + 1] == '\n') {
                return 0;
            }
            j += 2;
            continue;
        }
        if (ch == quote) {
            return j + 1;
        }
        ++j;
    }
    return 0;
}

// The leftmost token in text[pos, last): what ngx_http_lua_lex finds in the buffer.
LuaMatch scanLua(std::string_view text, std::size_t pos, std::size_t last)
{
    for (std::size_t i = pos; i < last; ++i) {
        switch (text[i]) {
        case '{': return {LuaToken::LeftCurly, i, i + 1};
        case '}': return {LuaToken::RightCurly, i, i + 1};
        case '[':
            if (const std::size_t n = longBracketAt(text, i, last, '[')) {
                return {LuaToken::LongString, i, i + n, n - 2};
            }
            break;
        case ']':
            if (const std::size_t n = longBracketAt(text, i, last, ']')) {
                return {LuaToken::RightLongBracket, i, i + n};
            }
            break;
        case '-':
            if (i + 1 < last && text[i + 1] == '-') {
                if (const std::size_t n = longBracketAt(text, i + 2, last, '[')) {
                    return {LuaToken::LongComment, i, i + 2 + n, n - 2};
                }
                std::size_t j = i + 2;
                while (j < last && text[j] != '\n') {
                    ++j;
                }
                return {LuaToken::LineComment, i, j};
            }
            break;
        case '"':
            if (const std::size_t end = quotedEnd(text, i, last, '"')) {
                return {LuaToken::DoubleQuoted, i, end};
            }
            break;
        case '\'':
            if (const std::size_t end = quotedEnd(text, i, last, '\'')) {
                return {LuaToken::SingleQuoted, i, end};
            }
            break;
        default: break;
        }
    }
    return {};
}

} // namespace

Lexer::Lexer(std::string_view text) : m_text(text) {}

Lexer::Result Lexer::fail(std::string message, int line)
{
    m_error = std::move(message);
    m_errorLine = line;
    m_line = line;
    return Result::Error;
}

Lexer::Result Lexer::next(std::vector<std::string>& words)
{
    words.clear();
    bool needSpace = false;
    bool lastSpace = true;
    bool sharpComment = false;
    bool variable = false;
    bool quoted = false;
    bool singleQuoted = false;
    bool doubleQuoted = false;
    std::size_t start = m_pos;
    int startLine = m_line;
    const std::size_t size = m_text.size();

    for (;;) {
        if (m_pos >= m_windowEnd) {
            if (m_windowEnd >= size) {
                if (!words.empty() || !lastSpace) {
                    return fail("unexpected end of file, expecting \";\" or \"}\"", m_line);
                }
                return Result::EndOfFile;
            }
            if (m_pos - start == BufferSize) {
                if (doubleQuoted || singleQuoted) {
                    return fail(std::string("too long parameter, probably missing terminating \"") +
                                    (doubleQuoted ? '"' : '\'') + "\" character",
                                startLine);
                }
                return fail("too long parameter \"" + std::string(m_text.substr(start, 10)) +
                                "...\" started",
                            startLine);
            }
            m_windowEnd = std::min(size, start + BufferSize);
        }

        const char ch = m_text[m_pos++];

        if (ch == '\n') {
            ++m_line;
            sharpComment = false;
        }
        if (sharpComment) {
            continue;
        }
        if (quoted) {
            quoted = false;
            continue;
        }

        if (needSpace) {
            if (isSpace(ch)) {
                lastSpace = true;
                needSpace = false;
                continue;
            }
            if (ch == ';') {
                return Result::Directive;
            }
            if (ch == '{') {
                return Result::BlockStart;
            }
            if (ch != ')') {
                return fail(std::string("unexpected \"") + ch + '"', m_line);
            }
            // "...")" : the ')' starts a new word, as nginx allows for `if ($a = "b")`.
            lastSpace = true;
            needSpace = false;
        }

        if (lastSpace) {
            start = m_pos - 1;
            startLine = m_line;
            if (isSpace(ch)) {
                continue;
            }
            switch (ch) {
            case ';':
            case '{':
                if (words.empty()) {
                    return fail(std::string("unexpected \"") + ch + '"', m_line);
                }
                return ch == '{' ? Result::BlockStart : Result::Directive;
            case '}':
                if (!words.empty()) {
                    return fail("unexpected \"}\"", m_line);
                }
                return Result::BlockEnd;
            case '#': sharpComment = true; continue;
            case '\\':
                quoted = true;
                lastSpace = false;
                continue;
            case '"':
                ++start;
                doubleQuoted = true;
                lastSpace = false;
                continue;
            case '\'':
                ++start;
                singleQuoted = true;
                lastSpace = false;
                continue;
            case '$':
                variable = true;
                lastSpace = false;
                continue;
            default: lastSpace = false;
            }
            continue;
        }

        if (ch == '{' && variable) {
            continue;
        }
        variable = false;
        if (ch == '\\') {
            quoted = true;
            continue;
        }
        if (ch == '$') {
            variable = true;
            continue;
        }

        bool found = false;
        if (doubleQuoted) {
            if (ch == '"') {
                doubleQuoted = false;
                needSpace = true;
                found = true;
            }
        } else if (singleQuoted) {
            if (ch == '\'') {
                singleQuoted = false;
                needSpace = true;
                found = true;
            }
        } else if (isSpace(ch) || ch == ';' || ch == '{') {
            lastSpace = true;
            found = true;
        }

        if (found) {
            words.push_back(unescapeWord(m_text, start, m_pos - 1));
            if (ch == ';') {
                return Result::Directive;
            }
            if (ch == '{') {
                return Result::BlockStart;
            }
        }
    }
}

Lexer::Result Lexer::readLuaBlock(std::string& code)
{
    static constexpr const char* eofMessage =
        "unexpected end of file, expecting terminating characters for lua code block";
    static constexpr const char* tooLongMessage =
        "too long lua code block, probably missing terminating characters";

    code.clear();
    int level = 1;
    int blockLine = m_line; // moves to the line of every '{' seen, as lua-nginx-module does
    const std::size_t size = m_text.size();

    for (;;) {
        // One ngx_http_lua_conf_read_lua_token() call: the text from `start` to the end of
        // the next token becomes part of the code.
        std::size_t start = m_pos;
        const int startLine = m_line;
        LuaMatch token;
        for (;;) {
            if (m_pos >= m_windowEnd ||
                (m_windowEnd - m_pos < BufferSize / 2 && m_windowEnd < size)) {
                if (m_windowEnd >= size) {
                    return fail(eofMessage, blockLine);
                }
                if (m_windowEnd - start == BufferSize) {
                    return fail(tooLongMessage, startLine);
                }
                m_windowEnd = std::min(size, start + BufferSize);
            }
            token = scanLua(m_text, m_pos, m_windowEnd);
            if (token.kind != LuaToken::None) {
                break;
            }
            if (m_windowEnd >= size) {
                return fail(eofMessage, blockLine);
            }
            if (m_windowEnd - m_pos == BufferSize) {
                return fail(tooLongMessage, startLine);
            }
            // No token in the buffer: nginx keeps the unmatched text but resumes lexing
            // after it, in freshly read data, without counting its lines.
            start = m_pos;
            const std::size_t resumeAt = m_windowEnd;
            m_windowEnd = std::min(size, m_pos + BufferSize);
            m_pos = resumeAt;
        }

        std::size_t tokenEnd = token.end;
        if (token.kind == LuaToken::LongString || token.kind == LuaToken::LongComment) {
            m_line += countLines(m_text, m_pos, token.begin);
            m_pos = token.begin;
            const std::string closing = "]" + std::string(token.equals, '=') + "]";
            const std::string_view window = m_text.substr(0, m_windowEnd);
            const std::size_t found = window.find(closing, token.end);
            if (found == std::string_view::npos) {
                return fail("Lua code block missing the closing long bracket \"" + closing +
                                "\", the inlined Lua code may be too long",
                            m_line);
            }
            tokenEnd = found + closing.size();
        }
        m_line += countLines(m_text, m_pos, tokenEnd);
        m_pos = tokenEnd;
        code.append(m_text.substr(start, m_pos - start));

        if (token.kind == LuaToken::LeftCurly) {
            blockLine = m_line;
            ++level;
        } else if (token.kind == LuaToken::RightCurly && --level == 0) {
            code.pop_back(); // the block's own '}'
            return Result::BlockEnd;
        }
    }
}

} // namespace restyscope::engine::conf
