#pragma once
// Query strings as lua-nginx-module reads and writes them: ngx.req.get_uri_args (its
// count-then-parse FFI path), ngx.req.get_post_args / ngx.decode_args (the parse_args
// path, which truncates differently), and ngx.encode_args / set_uri_args tables.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct lua_State;

namespace restyscope::engine::api {

struct QueryArg
{
    std::string key;
    std::optional<std::string> value; // nullopt: a key with no '=' (Lua true)
};

struct ParsedArgs
{
    std::vector<QueryArg> args; // in order; keys that decode to "" are skipped
    bool truncated = false;
};

// ngx.req.get_uri_args(max): max < 0 means the default 100, 0 no limit. The string is
// cut into count = ('&' count + 1) pieces; over max, only max pairs are read and the
// result is "truncated".
ParsedArgs parseUriArgs(std::string_view args, int max);

// ngx.decode_args(s, max) and ngx.req.get_post_args(max): max <= 0 means no limit; the
// pair that reaches max at a '&' ends the parse as "truncated" (even if nothing follows).
ParsedArgs parseArgs(std::string_view args, int max);

// Pushes args as a Lua table: repeated keys collect their values in an array.
/* stack: ... -> ..., table */
void pushArgsTable(lua_State* L, const std::vector<QueryArg>& args);

// The table at index as "a=1&b&c=x%20y": keys and values escaped as URI components, a
// true value writes the key alone, false is skipped, an array value repeats the key, in
// lua_next order. False with nginx's message for a non-string key or a bad value.
bool encodeArgs(lua_State* L, int index, std::string& out, std::string& error);

} // namespace restyscope::engine::api
