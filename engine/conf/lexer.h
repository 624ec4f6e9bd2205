#pragma once
// Design: reads one conf file the way nginx does. next() is ngx_conf_read_token: words up
// to a ';', '{' or '}', quotes and backslash escapes, '#' comments. readLuaBlock() is
// lua-nginx-module's block lexer for *_by_lua_block bodies: it skips Lua strings, comments
// and long brackets and returns the exact text between the braces.
//
// nginx reads the file through a 4096-byte buffer, and a few of its errors (and the Lua
// lexer's view of the text) depend on where that buffer window ends. The lexer keeps the
// same window over the in-memory text so those cases behave as in nginx.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace restyscope::engine::conf {

class Lexer
{
public:
    enum class Result {
        Directive,  // words terminated by ';'
        BlockStart, // words terminated by '{'
        BlockEnd,   // '}'
        EndOfFile,
        Error,
    };

    static constexpr std::size_t BufferSize = 4096; // NGX_CONF_BUFFER

    explicit Lexer(std::string_view text);

    // Reads the next directive's words (unescaped) up to its terminator.
    Result next(std::vector<std::string>& words);
    // Right after next() returned BlockStart: reads a Lua block up to its matching '}'.
    // Returns BlockEnd with `code` set to the text between the braces, or Error.
    Result readLuaBlock(std::string& code);

    // The current line: after next() it is the line of the terminator, which is where
    // nginx reports errors about the directive.
    int line() const { return m_line; }
    // Set when a call returned Error: nginx's message and the line it reports.
    const std::string& errorMessage() const { return m_error; }
    int errorLine() const { return m_errorLine; }

private:
    Result fail(std::string message, int line);

    std::string_view m_text;
    std::size_t m_pos = 0;
    std::size_t m_windowEnd = 0; // how much of the file nginx has read into its buffer
    int m_line = 1;
    std::string m_error;
    int m_errorLine = 0;
};

} // namespace restyscope::engine::conf
