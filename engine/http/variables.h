#pragma once
// nginx variables of a request ($uri, $args, $arg_NAME, $http_NAME, $1..$9, ...), as
// `return` text, *_by_lua_file paths and ngx.var read them.

#include <optional>
#include <string>
#include <string_view>

namespace restyscope::engine::http {

struct Request;

// nullopt for an unknown variable or one that is "not found" in nginx's sense (ngx.var
// gives nil for those); an empty string for a found empty value.
std::optional<std::string> variableValue(const Request& request, std::string_view name);

} // namespace restyscope::engine::http
