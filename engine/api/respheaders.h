#pragma once
// Design: nginx's headers_out list as ngx.header edits it (lua-nginx-module's
// ngx_http_lua_set_output_header and ngx_http_lua_get_output_header). Entries are never
// removed: a cleared entry stays in the list with an empty value, as nginx keeps it with
// hash 0, so positions and the "first spelling wins" rule come out the same. The built-in
// single headers (Server, Date, Location, ETag, Content-Length, ...) are reached through a
// pointer per header, as headers_out.server & co.; a pointer that exists replaces the
// entry's name and value in place. Content-Type lives outside the list.
//
// What the response writer must do with it: print only entries with a non-empty value;
// print no default Server/Date line when an entry of that name exists (even an empty one);
// print Content-Length from the list when an entry of that name exists.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace restyscope::engine::http {
struct ResponseHeaders;
}

namespace restyscope::engine::api {

// Per request, next to http::ResponseHeaders.
struct ResponseHeaderState
{
    static constexpr int kSlots = 12;
    bool headersSet = false;            // any ngx.header assignment (lua ctx->headers_set)
    bool mimeSet = false;               // Content-Type assigned, even to nothing (ctx->mime_set)
    std::int64_t lastModifiedTime = -1; // headers_out.last_modified_time
    // headers_out.server, .date, ...: index into ResponseHeaders::headers, -1 for none.
    std::array<int, kSlots> builtin{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
};

// One ngx_http_lua_set_output_header call. name and value are taken as given (after the
// caller's underscore transform); bytes nginx escapes in names and values become %XX.
// override false adds a new line (the 2nd.. values of a table). Returns false where nginx
// fails with "failed to set header" (a bad Content-Length).
bool setOutputHeader(http::ResponseHeaders& headers, ResponseHeaderState& state,
                     std::string_view name, std::string_view value, bool override);

// ngx.header[name] = value as lua-resty-core hands it over: values nullptr for nil, else
// the strings (one for a scalar, several for a table, none for an empty table). Applies the
// underscore transform and marks the state's headersSet. False: "failed to set header".
bool assignResponseHeader(http::ResponseHeaders& headers, ResponseHeaderState& state,
                          std::string_view key, const std::vector<std::string>* values);

// ngx.header[name] read: the live values of name (case-insensitive), Content-Type and
// Content-Length from their fields, Last-Modified from its parsed time. At most 100.
std::vector<std::string> getOutputHeader(const http::ResponseHeaders& headers,
                                         const ResponseHeaderState& state, std::string_view name);

// The underscores of an ngx.header key as hyphens (lua_transform_underscores_in_response_headers).
std::string transformUnderscores(std::string_view name);

// ngx_atoof, as nginx reads a Content-Length: decimal digits only, no sign, no overflow.
bool parseContentLength(std::string_view text, std::int64_t& out);

} // namespace restyscope::engine::api
