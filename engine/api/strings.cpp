// The string utilities of the ngx table: digests, base64, CRC-32, URI escaping, query
// strings and SQL quoting, with lua-resty-core's argument conversions (nil is "", other
// values go through tostring) and lua-nginx-module's checks for its C functions.

#include "engine/api/strings.h"
#include "engine/api/apicommon.h"
#include "engine/api/apiutil.h"
#include "engine/api/codec.h"
#include "engine/api/querystring.h"

#include <lua.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

namespace restyscope::engine::api {

namespace {

constexpr int kMaxArgs = 100;

// lua-resty-core's `if not s then s = '' else s = tostring(s) end` for non-strings.
std::string stringArgument(lua_State* L, int index)
{
    if (lua_type(L, index) == LUA_TSTRING) {
        std::size_t len = 0;
        const char* text = lua_tolstring(L, index, &len);
        return std::string(text, len);
    }
    if (!lua_toboolean(L, index)) {
        return std::string();
    }
    return luaToString(L, index);
}

void pushString(lua_State* L, const std::string& text)
{
    lua_pushlstring(L, text.data(), text.size());
}

std::string digest(const EVP_MD* md, const std::string& data)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
    return std::string(reinterpret_cast<const char*>(out), len);
}

int ngxMd5(lua_State* L)
{
    pushString(L, hexDump(digest(EVP_md5(), stringArgument(L, 1))));
    return 1;
}

int ngxMd5Bin(lua_State* L)
{
    pushString(L, digest(EVP_md5(), stringArgument(L, 1)));
    return 1;
}

int ngxSha1Bin(lua_State* L)
{
    pushString(L, digest(EVP_sha1(), stringArgument(L, 1)));
    return 1;
}

int ngxHmacSha1(lua_State* L)
{
    if (lua_gettop(L) != 2) {
        return luaL_error(L, "expecting 2 arguments, but got %d", lua_gettop(L));
    }
    std::size_t keyLen = 0;
    const char* key = luaL_checklstring(L, 1, &keyLen);
    std::size_t dataLen = 0;
    const char* data = luaL_checklstring(L, 2, &dataLen);
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha1(), key, static_cast<int>(keyLen), reinterpret_cast<const unsigned char*>(data),
         dataLen, out, &len);
    lua_pushlstring(L, reinterpret_cast<const char*>(out), len);
    return 1;
}

int ngxEncodeBase64(lua_State* L)
{
    const std::string data = stringArgument(L, 1);
    bool noPadding = false;
    if (lua_toboolean(L, 2)) {
        if (lua_type(L, 2) != LUA_TBOOLEAN) {
            return errorAt(
                L, 1, std::string("bad no_padding: boolean expected, got ") + luaL_typename(L, 2));
        }
        noPadding = true;
    }
    pushString(L, encodeBase64(data, noPadding));
    return 1;
}

int ngxDecodeBase64(lua_State* L)
{
    if (lua_type(L, 1) != LUA_TSTRING) {
        return errorAt(L, 1, "string argument only");
    }
    std::size_t len = 0;
    const char* text = lua_tolstring(L, 1, &len);
    const auto decoded = decodeBase64({text, len});
    if (!decoded) {
        lua_pushnil(L);
        return 1;
    }
    pushString(L, *decoded);
    return 1;
}

int ngxCrc32(lua_State* L)
{
    lua_pushnumber(L, static_cast<lua_Number>(crc32(stringArgument(L, 1))));
    return 1;
}

int ngxEscapeUri(lua_State* L)
{
    const std::string text = stringArgument(L, 1);
    EscapeType type = EscapeType::UriComponent;
    if (!lua_isnoneornil(L, 2)) {
        if (lua_type(L, 2) != LUA_TNUMBER) {
            // error(..., 3) in lua-resty-core: the caller of the caller.
            return errorAt(L, 2, "\"type\" is not a number");
        }
        const lua_Number given = lua_tonumber(L, 2);
        if (given < 0 || given > 6) {
            return errorAt(L, 2, "\"type\" " + luaToString(L, 2) + " out of range");
        }
        // The FFI int truncates (1.5 is type 1); NaN passes the range check as in Lua.
        type = static_cast<EscapeType>(given == given ? static_cast<int>(given) : 0);
    }
    pushString(L, escapeUri(text, type));
    return 1;
}

int ngxUnescapeUri(lua_State* L)
{
    pushString(L, unescapeUriComponent(stringArgument(L, 1)));
    return 1;
}

int ngxEncodeArgs(lua_State* L)
{
    if (lua_gettop(L) != 1) {
        return luaL_error(L, "expecting 1 argument but seen %d", lua_gettop(L));
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    std::string out;
    std::string error;
    if (!encodeArgs(L, 1, out, error)) {
        return luaL_error(L, "%s", error.c_str());
    }
    pushString(L, out);
    return 1;
}

int ngxDecodeArgs(lua_State* L)
{
    const int n = lua_gettop(L);
    if (n != 1 && n != 2) {
        return luaL_error(L, "expecting 1 or 2 arguments but seen %d", n);
    }
    std::size_t len = 0;
    const char* text = luaL_checklstring(L, 1, &len);
    int max = kMaxArgs;
    if (n == 2) {
        max = static_cast<int>(luaL_checkinteger(L, 2));
    }
    const ParsedArgs parsed = parseArgs({text, len}, max);
    pushArgsTable(L, parsed.args);
    if (parsed.truncated) {
        lua_pushliteral(L, "truncated");
        return 2;
    }
    return 1;
}

int ngxQuoteSqlStr(lua_State* L)
{
    if (lua_gettop(L) != 1) {
        return luaL_error(L, "expecting one argument");
    }
    std::size_t len = 0;
    const char* text = luaL_checklstring(L, 1, &len);
    pushString(L, quoteSqlString({text, len}));
    return 1;
}

} // namespace

void installStrings(lua_State* L)
{
    captureLuaToString(L);
    /* stack: ngx -> ngx */
    setFunction(L, "md5", ngxMd5);
    setFunction(L, "md5_bin", ngxMd5Bin);
    setFunction(L, "sha1_bin", ngxSha1Bin);
    setFunction(L, "hmac_sha1", ngxHmacSha1);
    setFunction(L, "encode_base64", ngxEncodeBase64);
    setFunction(L, "decode_base64", ngxDecodeBase64);
    setFunction(L, "crc32_short", ngxCrc32);
    setFunction(L, "crc32_long", ngxCrc32);
    setFunction(L, "escape_uri", ngxEscapeUri);
    setFunction(L, "unescape_uri", ngxUnescapeUri);
    setFunction(L, "encode_args", ngxEncodeArgs);
    setFunction(L, "decode_args", ngxDecodeArgs);
    setFunction(L, "quote_sql_str", ngxQuoteSqlStr);
}

} // namespace restyscope::engine::api
