#pragma once
// Design: the table ngx.location.capture returns for one finalized subrequest, as
// lua-nginx-module's post_subrequest handler and handle_subreq_responses build it: the
// status (headers_out.status, else the finalize code), "truncated" when the last buffer
// never reached the capture filter, the captured body, and the header table: the header
// list as set, then Content-Type, Content-Length (a number) and Location from their own
// fields. A child finalized with an error or special status before sending a header gets
// nginx's emulated special response: the default type, no body.

#include "engine/http/request.h"

#include <cstdint>
#include <string>
#include <vector>

struct lua_State;

namespace restyscope::engine::http {
class HttpRequest;
}

namespace restyscope::engine::api {

struct CapturedHeader
{
    std::string name;
    std::string value;
    bool number = false; // Content-Length from headers_out.content_length_n: a Lua number
};

struct SubrequestResult
{
    int status = 0;
    bool truncated = true;
    std::string body;
    std::vector<CapturedHeader> headers; // in table order; repeated names become arrays
};

// mimeSet: the child assigned a Content-Type (lua-nginx-module's ctx->mime_set).
SubrequestResult subrequestResult(const http::HttpRequest& child, bool mimeSet);

// Pushes the result table of child. /* stack: ... -> ..., res */
void pushCapturedResponse(lua_State* L, const http::HttpRequest& child);

} // namespace restyscope::engine::api
