#pragma once
// Design: Lua chunk names as lua-nginx-module gives them (semantics.md 1.4), so error
// messages and tracebacks read "content_by_lua(nginx.conf:12):3: ..." exactly as nginx's do.

#include <string>
#include <string_view>

namespace restyscope::engine::runtime {

// Inline code: "=<tag>(<conffile>:<line>)".
//   confFile   absolute path of the conf file holding the directive (an include or the main)
//   confPrefix directory of the main conf file, ending in '/' (nginx's conf_prefix)
//   line       block form: line of the directive keyword; string form: line of its ';'
// <conffile> is "nginx.conf" when confFile ends in "/nginx.conf", else the path relative to
// confPrefix when inside it, else the full path. A file part that would make tag + line +
// file longer than 56 characters (LJ_CHUNKNAME_MAX_LEN) keeps its tail after "...".
std::string inlineChunkName(std::string_view tag, std::string_view confFile,
                            std::string_view confPrefix, int line);

// A Lua file: "@<absolute path>".
std::string fileChunkName(std::string_view absolutePath);

// nginx's conf_prefix for a main conf file: its directory with the trailing '/'.
std::string confPrefixOf(std::string_view mainConfFile);

} // namespace restyscope::engine::runtime
