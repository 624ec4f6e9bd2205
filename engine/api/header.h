#pragma once
// What the output path needs to know about ngx.header assignments (lua-nginx-module's
// ctx->headers_set and ctx->mime_set), and the headers metatable ngx.req.get_headers and
// ngx.resp.get_headers share.

struct lua_State;

namespace restyscope::engine::http {
class HttpRequest;
}

namespace restyscope::engine::api {

// True once any ngx.header assignment was made (even of nil). Without one, lua-nginx-module
// clears Content-Length and Accept-Ranges before sending the header (semantics.md 4.3).
bool responseHeadersAssigned(const http::HttpRequest& request);
// True once Content-Type was assigned through ngx.header (even to nothing): default_type
// is then not applied, and an empty Content-Type sends no Content-Type line.
bool contentTypeAssigned(const http::HttpRequest& request);

// The metatable that makes h.user_agent find h["user-agent"].
/* stack: ... -> ..., metatable */
void pushHeadersMetatable(lua_State* L);

} // namespace restyscope::engine::api
