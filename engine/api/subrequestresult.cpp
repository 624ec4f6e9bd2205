#include "engine/api/subrequestresult.h"

#include "engine/api/apiutil.h"
#include "engine/api/reqstate.h"
#include "engine/http/connection.h"
#include "engine/http/status.h"

#include <lua.hpp>

#include <algorithm>

namespace restyscope::engine::api {

namespace {

// The finalize codes lua-nginx-module answers with nginx's special response handling.
bool specialFinalize(int rc)
{
    return rc == http::kNgxError || rc == 201 || rc == 204 ||
           (rc >= 300 && rc != http::kStatusClose && rc != http::kStatusRequestTimeout &&
            rc != http::kStatusClientClosed);
}

int statusOf(const http::HttpRequest& child, int rc)
{
    if (child.headersOut.status != 0) {
        return child.headersOut.status;
    }
    if (rc == http::kNgxOk) {
        return 200;
    }
    if (rc == http::kNgxError) {
        return 500;
    }
    return rc >= 100 ? rc : 0;
}

} // namespace

SubrequestResult subrequestResult(const http::HttpRequest& child, bool mimeSet)
{
    SubrequestResult result;
    const http::CapturedResponse* captured = child.captured();
    if (!captured) {
        return result;
    }
    const http::ResponseHeaders& out = child.headersOut;
    result.status = statusOf(child, captured->finalizeRc);
    result.truncated = !captured->lastSeen;
    result.body = captured->body;
    for (const http::HeaderField& field : out.headers) {
        if (!field.value.empty()) { // a cleared entry (hash 0) is skipped
            result.headers.push_back({field.name, field.value, false});
        }
    }
    const bool emulated = !captured->headerSent && specialFinalize(captured->finalizeRc);
    std::string contentType;
    std::int64_t contentLength = out.contentLength;
    if (emulated) {
        // The special response emulation: the type reset to the default unless Lua chose
        // one, no length.
        contentType = mimeSet ? std::string() : child.responseOptions.defaultType;
        contentLength = -1;
    } else if (captured->headerSent) {
        contentType = !out.contentType.empty() || out.contentTypeSet
                          ? out.contentType
                          : child.responseOptions.defaultType;
    }
    if (!contentType.empty()) {
        result.headers.push_back({"Content-Type", contentType, false});
    }
    const bool lengthLine =
        std::any_of(out.headers.begin(), out.headers.end(), [](const http::HeaderField& f) {
            return http::equalsIgnoreCase(f.name, "Content-Length");
        });
    if (!lengthLine && contentLength >= 0) {
        result.headers.push_back({"Content-Length", std::to_string(contentLength), true});
    }
    if (!out.location.empty()) {
        result.headers.push_back({"Location", out.location, false});
    }
    return result;
}

void pushCapturedResponse(lua_State* L, const http::HttpRequest& child)
{
    const RequestApiState* state = findApiState(child);
    const SubrequestResult result = subrequestResult(child, state && state->response.mimeSet);
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, result.status);
    lua_setfield(L, -2, "status");
    lua_pushboolean(L, result.truncated ? 1 : 0);
    lua_setfield(L, -2, "truncated");
    lua_pushlstring(L, result.body.data(), result.body.size());
    lua_setfield(L, -2, "body");
    lua_createtable(L, 0, static_cast<int>(result.headers.size()) + 5);
    const int table = lua_gettop(L);
    for (const CapturedHeader& header : result.headers) {
        /* stack: res, header -> res, header, name, value -> res, header */
        lua_pushlstring(L, header.name.data(), header.name.size());
        if (header.number) {
            lua_pushnumber(L, static_cast<lua_Number>(std::stoll(header.value)));
            lua_rawset(L, table);
            continue;
        }
        lua_pushlstring(L, header.value.data(), header.value.size());
        if (header.name == "Content-Type" || header.name == "Location") {
            // Content-Type and Location replace whatever the list gave under that name.
            lua_rawset(L, table);
        } else {
            addMultiValue(L, table);
        }
    }
    lua_setfield(L, -2, "header");
}

} // namespace restyscope::engine::api
