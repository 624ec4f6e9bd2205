#pragma once
// Design: what the ngx API keeps per HTTP request beyond http::HttpRequest's fields
// (lua-nginx-module keeps it in its request ctx or in ngx_http_request_t): the ngx.header
// bookkeeping, the raw request head before ngx.req.set_header edited the headers, the
// "args set to an empty string" bit and $limit_rate. Looked up by request; entries of
// requests that are gone are dropped lazily. Engine thread only.

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
    bool argsEmptyString = false;         // $args is "" rather than not found when args are empty
    std::string limitRate = "0";
};

// Creates the state on first use. request must be owned by a shared_ptr (as the
// connection's requests are): the entry lives as long as that owner.
RequestApiState& apiState(const http::HttpRequest& request);
// nullptr when nothing was recorded for request.
const RequestApiState* findApiState(const http::HttpRequest& request);

} // namespace restyscope::engine::api
