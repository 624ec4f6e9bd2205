#pragma once
// What other bindings need from ngx.var's write rules (api/var.cpp).

#include <string_view>

namespace restyscope::engine::http {
class HttpRequest;
}

namespace restyscope::engine::api {

enum class VariableWrite {
    Set,           // the variable has a set handler and took the value
    NotChangeable, // a built-in without one: "variable \"x\" not changeable"
    Undefined,     // no such variable (restyscope has no `set`, so no user variables)
};

// Whether the nginx variable name (lower case) can take a value.
VariableWrite variableWritable(std::string_view name);
// Sets the nginx variable name (lower case) of request as a subrequest's vars option does.
VariableWrite setVariable(http::HttpRequest& request, std::string_view name,
                          std::string_view value);

} // namespace restyscope::engine::api
