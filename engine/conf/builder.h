#pragma once
// Design: the entry point of engine/conf. loadConfig() reads nginx.conf (parser.h), checks
// every directive against nginx's table of contexts and argument counts, fills the
// structs of config.h and merges what locations inherit. Errors and notices carry
// nginx's exact wording; nothing is printed here, the caller logs them.

#include "engine/conf/config.h"
#include "engine/conf/parser.h"

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace restyscope::engine::conf {

struct ConfMessage
{
    LogLevel level = LogLevel::Info;
    std::string text;       // e.g. `lua_code_cache is off; this will hurt performance in F:L`
    bool ownNotice = false; // restyscope's own remark (an ignored directive); nginx is silent
};

struct LoadResult
{
    std::unique_ptr<Config> config; // null when there is an error
    std::string error;              // nginx's text without the "[emerg] " prefix
    LogLevel errorLevel = LogLevel::Emerg;
    // The files parsed: `nginx -t` prints "syntax is ok" before a later error such as
    // `no "events" section in configuration`.
    bool syntaxOk = false;
    std::vector<ConfMessage> messages; // in the order nginx would log them
};

// Whether a variable exists (lowercase name without '$', e.g. "uri", "arg_x"). When
// given, a conf using an unknown one fails as in nginx: `unknown "foo" variable`.
// Named regex captures of the conf always exist.
using VariableCheck = std::function<bool(std::string_view name)>;

// `prefix` as given to -p (made absolute, '/' appended); `confPath` as given to -c,
// relative to the prefix unless absolute. include resolves against the conf file's
// directory, error_log and pid against the prefix, as in nginx.
LoadResult loadConfig(const std::string& prefix, const std::string& confPath,
                      const VariableCheck& isVariable = {});
// The same with the modules' directives and conf slots (one entry per module of the
// module list, in its order: conf slots are indexed by that position).
LoadResult loadConfig(const std::string& prefix, const std::string& confPath,
                      std::span<const ModuleConfHooks> modules,
                      const VariableCheck& isVariable = {});
// The same from an already parsed tree. `prefix` and `confFile` absolute.
LoadResult buildConfig(const ParseResult& parsed, const std::string& prefix,
                       const std::string& confFile, const VariableCheck& isVariable = {},
                       std::span<const ModuleConfHooks> modules = {});

// "emerg", "alert", ... "debug": the level names nginx prints in brackets.
using trace::logLevelName;

} // namespace restyscope::engine::conf
