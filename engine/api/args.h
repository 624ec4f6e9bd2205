#pragma once
// Query-string encoding shared by ngx.encode_args, ngx.exec and ngx.req.set_uri_args.

#include <string>
#include <string_view>

struct lua_State;

namespace restyscope::engine::api {

// Percent-encodes like ngx.escape_uri for a URI component.
void appendEscapedComponent(std::string_view text, std::string& out);
// The table at index as "a=1&b&c=x%20y" (lua_next order, as lua-nginx-module builds it).
// False with nginx's error text for a bad key or value.
bool encodeArgsTable(lua_State* L, int index, std::string& out, std::string& error);
// Control bytes shown as \xNN, for error messages that quote a URI.
std::string escapeForLog(std::string_view text);

} // namespace restyscope::engine::api
