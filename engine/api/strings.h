#pragma once
// Parts of installMisc (api.h), one file per concern.

struct lua_State;

namespace restyscope::engine::api {

/* stack: ngx -> ngx */
void installStrings(lua_State* L); // md5, sha1_bin, base64, crc32, escape_uri, encode_args, ...
void installTime(lua_State* L);    // now, time, today, localtime, utctime, http_time, ...

} // namespace restyscope::engine::api
