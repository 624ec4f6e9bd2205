#pragma once
// ngx.req.set_header / clear_header on the request's header list, as lua-nginx-module's
// ngx_http_lua_set_input_header edits headers_in: the first line of that name keeps its
// spelling and takes the value, the other lines of that name are removed, an empty value
// removes them all. Host and Content-Length also update what nginx derives from them.

#include <optional>
#include <string>
#include <string_view>

namespace restyscope::engine::http {
struct Request;
}

namespace restyscope::engine::api {

// override false appends a line (the 2nd.. values of a table). name and value are taken
// as given; bytes nginx escapes become %XX. False where nginx fails with "failed to set
// header" (an invalid Host, a bad Content-Length).
bool setInputHeader(http::Request& request, std::string_view name, std::string_view value,
                    bool override);

// ngx_http_lua_validate_host: the host without port and trailing dot, lowercased; nullopt
// for a value nginx refuses (empty host, "..", '/', NUL).
std::optional<std::string> validateHost(std::string_view host);

} // namespace restyscope::engine::api
