#pragma once
// What other bindings need from ngx.var's write rules (api/var.cpp): the request's
// variable registry decides (http/variables.h).

#include "engine/http/variables.h"

#include <string_view>

namespace restyscope::engine::api {

using http::VariableWrite;

// Whether the nginx variable name (lower case) of request can take a value.
VariableWrite variableWritable(const http::HttpRequest& request, std::string_view name);
// Sets the nginx variable name (lower case) of request as a subrequest's vars option does.
VariableWrite setVariable(http::HttpRequest& request, std::string_view name,
                          std::string_view value);

} // namespace restyscope::engine::api
