#include "engine/conf/parser.h"

#include "engine/conf/lexer.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

namespace restyscope::engine::conf {

namespace {

// nginx formats a conf error into a 1024-byte buffer (NGX_MAX_CONF_ERRSTR).
constexpr std::size_t MaxMessage = 1024;
// nginx has no limit and fails once it runs out of descriptors; we stop earlier.
constexpr int MaxIncludeDepth = 64;

std::string errnoText(int err)
{
    return " (" + std::to_string(err) + ": " + std::strerror(err) + ")";
}

enum class BlockKind { File, Block, Types };

class Parser
{
public:
    explicit Parser(std::string confPrefix) : m_confPrefix(std::move(confPrefix)) {}

    // Reads a whole file; `from` is the include directive naming it, null for the main file.
    bool parseFile(const std::string& path, std::vector<Directive>& out,
                   const SourceLocation* from);
    bool parseText(std::string_view text, const std::string& path, std::vector<Directive>& out);

    std::optional<ConfError> takeError() { return std::move(m_error); }

private:
    bool parseBlock(Lexer& lexer, const std::string& file, std::vector<Directive>& out,
                    BlockKind kind);
    bool include(const std::string& pattern, std::vector<Directive>& out,
                 const SourceLocation& where);
    bool fail(std::string text, LogLevel level = LogLevel::Emerg)
    {
        m_error = ConfError{std::move(text), level};
        return false;
    }
    bool failAt(std::string_view message, const std::string& file, int line)
    {
        return fail(confErrorText(message, SourceLocation{file, line}));
    }

    std::string m_confPrefix;
    std::optional<ConfError> m_error;
    int m_depth = 0;
};

bool Parser::parseFile(const std::string& path, std::vector<Directive>& out,
                       const SourceLocation* from)
{
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) {
        const std::string message = "open() \"" + path + "\" failed" + errnoText(errno);
        return from ? fail(confErrorText(message, *from)) : fail(message);
    }
    std::string text;
    struct stat info = {};
    ::fstat(fd, &info);
    // Like nginx, read exactly the size fstat() reports: a directory fails in read().
    text.resize(static_cast<std::size_t>(info.st_size));
    std::size_t got = 0;
    while (got < text.size()) {
        const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            const int err = errno;
            ::close(fd);
            if (n < 0) {
                return fail("pread() \"" + path + "\" failed" + errnoText(err), LogLevel::Crit);
            }
            return fail("pread() returned only " + std::to_string(got) + " bytes instead of " +
                        std::to_string(text.size()));
        }
        got += static_cast<std::size_t>(n);
    }
    ::close(fd);
    return parseText(text, path, out);
}

bool Parser::parseText(std::string_view text, const std::string& path, std::vector<Directive>& out)
{
    Lexer lexer(text);
    return parseBlock(lexer, path, out, BlockKind::File);
}

bool Parser::parseBlock(Lexer& lexer, const std::string& file, std::vector<Directive>& out,
                        BlockKind kind)
{
    std::vector<std::string> words;
    for (;;) {
        const Lexer::Result result = lexer.next(words);
        switch (result) {
        case Lexer::Result::Error: return failAt(lexer.errorMessage(), file, lexer.errorLine());
        case Lexer::Result::BlockEnd:
            if (kind == BlockKind::File) {
                return failAt("unexpected \"}\"", file, lexer.line());
            }
            return true;
        case Lexer::Result::EndOfFile:
            if (kind != BlockKind::File) {
                return failAt("unexpected end of file, expecting \"}\"", file, lexer.line());
            }
            return true;
        case Lexer::Result::Directive:
        case Lexer::Result::BlockStart: break;
        }

        const bool block = result == Lexer::Result::BlockStart;
        const SourceLocation where{file, lexer.line()};
        // Inside types{} nginx hands every line to the MIME type handler, which rejects
        // blocks before looking at the name.
        if (kind == BlockKind::Types && block) {
            return failAt("unexpected \"{\"", file, lexer.line());
        }
        if (words.front() == "include") {
            if (block) {
                return failAt("directive \"include\" is not terminated by \";\"", file,
                              lexer.line());
            }
            if (words.size() != 2) {
                return failAt("invalid number of arguments in \"include\" directive", file,
                              lexer.line());
            }
            if (!include(words[1], out, where)) {
                return false;
            }
            continue;
        }

        Directive directive;
        directive.name = std::move(words.front());
        directive.args.assign(std::make_move_iterator(words.begin() + 1),
                              std::make_move_iterator(words.end()));
        directive.hasBlock = block;
        directive.where = where;
        if (block) {
            bool ok = true;
            if (directive.name.ends_with("_by_lua_block")) {
                // On error the code is incomplete, but the directive is still kept: its
                // context and arguments are checked before the syntax error is reported.
                std::string code;
                ok = lexer.readLuaBlock(code) != Lexer::Result::Error;
                directive.args.push_back(std::move(code));
                directive.luaBlock = true;
                if (!ok) {
                    failAt(lexer.errorMessage(), file, lexer.errorLine());
                }
            } else {
                ok = parseBlock(lexer, file, directive.block,
                                directive.name == "types" ? BlockKind::Types : BlockKind::Block);
            }
            directive.blockEnd = SourceLocation{file, lexer.line()};
            if (!ok) {
                directive.truncated = true;
                out.push_back(std::move(directive));
                return false;
            }
        }
        out.push_back(std::move(directive));
    }
}

bool Parser::include(const std::string& pattern, std::vector<Directive>& out,
                     const SourceLocation& where)
{
    const std::string path = pattern.starts_with('/') ? pattern : m_confPrefix + pattern;
    if (m_depth >= MaxIncludeDepth) {
        return fail(confErrorText("include nesting deeper than " + std::to_string(MaxIncludeDepth) +
                                      " levels at \"" + path + "\"",
                                  where));
    }
    std::vector<std::string> files;
    if (path.find_first_of("*?[") == std::string::npos) {
        files.push_back(path);
    } else {
        glob_t matches = {};
        const int rc = ::glob(path.c_str(), 0, nullptr, &matches);
        if (rc != 0 && rc != GLOB_NOMATCH) {
            const int err = errno;
            ::globfree(&matches);
            return fail(confErrorText("glob() \"" + path + "\" failed" + errnoText(err), where));
        }
        for (std::size_t i = 0; i < matches.gl_pathc; ++i) {
            files.emplace_back(matches.gl_pathv[i]);
        }
        ::globfree(&matches);
    }
    ++m_depth;
    for (const std::string& file : files) {
        if (!parseFile(file, out, &where)) {
            --m_depth;
            return false;
        }
    }
    --m_depth;
    return true;
}

} // namespace

std::string confErrorText(std::string_view message, const SourceLocation& where)
{
    std::string text(message.substr(0, MaxMessage));
    text += " in ";
    text += where.file;
    text += ':';
    text += std::to_string(where.line);
    return text;
}

ParseResult parseConfFile(const std::string& path, const std::string& confPrefix)
{
    Parser parser(confPrefix);
    ParseResult result;
    if (!parser.parseFile(path, result.directives, nullptr)) {
        result.error = parser.takeError();
    }
    return result;
}

ParseResult parseConfText(std::string_view text, const std::string& path,
                          const std::string& confPrefix)
{
    Parser parser(confPrefix);
    ParseResult result;
    if (!parser.parseText(text, path, result.directives)) {
        result.error = parser.takeError();
    }
    return result;
}

} // namespace restyscope::engine::conf
