#pragma once
// Design: code cache keys, built as lua-nginx-module builds them (semantics.md 1.2), so a
// key printed by restyscope can be compared with one from nginx's debug log
// ("code cache lookup (key='...')").

#include <string>
#include <string_view>

namespace restyscope::engine::runtime {

// Lowercase hex MD5 of data (OpenSSL EVP).
std::string md5Hex(std::string_view data);

// Inline code (*_by_lua_block, *_by_lua '...'): "<tag>_nhli_<md5hex(source)>". tag is the
// directive family ("content_by_lua", "rewrite_by_lua", ...); source the exact bytes nginx
// read (for a block, everything between the braces).
std::string inlineCacheKey(std::string_view tag, std::string_view source);

// *_by_lua_file: "nhlf_<md5hex(path)>". For a constant path pass it as written in the conf
// (before prefix resolution); for a path with variables, the evaluated absolute path.
std::string fileCacheKey(std::string_view path);

// nginx's ngx_get_full_name for Lua files: absolute paths stay, others are prefixed with the
// nginx prefix (which ends in '/').
std::string rebasePath(std::string_view prefix, std::string_view path);

} // namespace restyscope::engine::runtime
