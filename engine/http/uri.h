#pragma once
// nginx's URI handling: the request target split into path and args, the path
// percent-decoded, slashes merged and dot segments resolved ($uri), and the args codec
// ngx.req.get_uri_args and $arg_NAME use.

#include <string>
#include <string_view>

namespace restyscope::engine::http {

struct RequestTarget
{
    std::string path; // raw path part (may be an absolute-form URL's path)
    std::string args; // after the first '?', raw
    std::string host; // from an absolute-form target, else empty
};

// Splits "GET http://h/p?a" style or origin-form targets. False on a malformed target.
bool splitRequestTarget(std::string_view target, RequestTarget& out);

// Decodes %XX, merges "//", resolves "." and ".." like ngx_http_parse_complex_uri.
// False when ".." climbs above the root or the path is otherwise invalid (nginx: 400).
bool normalizeUriPath(std::string_view raw, std::string& out);

// Decodes %XX and, when plusAsSpace, '+' (ngx_unescape_uri with NGX_UNESCAPE_URI_COMPONENT).
std::string unescapeUri(std::string_view text, bool plusAsSpace);

// The value of the first "name=value" in args whose name matches case-insensitively, as
// $arg_name reads it (raw, not unescaped). Found with no '=' gives an empty value.
bool findArg(std::string_view args, std::string_view name, std::string_view& value);

} // namespace restyscope::engine::http
