#pragma once
// Design: what the ngx API keeps per HTTP request beyond http::HttpRequest's fields
// (lua-nginx-module keeps it in its request ctx or in ngx_http_request_t): the ngx.header
// bookkeeping and the raw request head before ngx.req.set_header edited the headers. Kept
// in the request's ctx slots (HttpRequest::ctx), so it ends with its request. Engine
// thread only.

#include "engine/api/respheaders.h"

#include <optional>
#include <string>

namespace restyscope::engine::http {
class HttpRequest;
}

namespace restyscope::engine::api {

struct RequestApiState
{
    ResponseHeaderState response;
    std::optional<std::string> rawHeader; // ngx.req.raw_header() text, kept before edits
};

// Creates the state on first use; it lives as long as the request.
RequestApiState& apiState(const http::HttpRequest& request);
// nullptr when nothing was recorded for request.
const RequestApiState* findApiState(const http::HttpRequest& request);

} // namespace restyscope::engine::api
