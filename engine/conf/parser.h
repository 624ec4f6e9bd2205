#pragma once
// Design: turns conf files into a directive tree, expanding `include` in place (relative
// to the main conf's directory, globs sorted) as nginx does while it reads. No directive
// is interpreted here: that is the builder's job (builder.h).
//
// nginx interprets each directive as soon as it has read it, so an error in an early
// directive wins over a syntax error further on. The parser therefore keeps everything it
// read before a syntax error (blocks cut short are marked `truncated`) and the builder
// reports the syntax error only when its walk reaches that point.

#include "engine/conf/config.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace restyscope::engine::conf {

// An error as nginx prints it, without the "[emerg] " prefix.
struct ConfError
{
    std::string text; // e.g. `unknown directive "foo" in /abs/conf/nginx.conf:12`
    LogLevel level = LogLevel::Emerg;
};

struct Directive
{
    std::string name;
    std::vector<std::string> args; // unescaped; a *_by_lua_block's code is the last one
    bool hasBlock = false;         // terminated by '{' rather than ';'
    bool luaBlock = false;         // the block was read as Lua source into args.back()
    std::vector<Directive> block;
    SourceLocation where;    // the line of the ';' or '{' that ended it: nginx reports there
    SourceLocation blockEnd; // the line of the closing '}'
    bool truncated = false;  // a syntax error cut this block short
};

struct ParseResult
{
    std::vector<Directive> directives;
    std::optional<ConfError> error; // the syntax error after the last directive, if any
};

// Appends " in FILE:LINE" to an nginx message the way ngx_conf_log_error does.
std::string confErrorText(std::string_view message, const SourceLocation& where);

// `path` is absolute; relative includes resolve against `confPrefix` (the main conf
// file's directory, ending in '/').
ParseResult parseConfFile(const std::string& path, const std::string& confPrefix);
// The same for text already in memory, reported as coming from `path`.
ParseResult parseConfText(std::string_view text, const std::string& path,
                          const std::string& confPrefix);

} // namespace restyscope::engine::conf
