#include "engine/api/args.h"

#include "engine/api/output.h"

#include <lua.hpp>

#include <cstdio>

namespace restyscope::engine::api {

namespace {

bool isUnreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

bool appendValue(lua_State* L, int index, std::string_view key, std::string& out,
                 std::string& error)
{
    switch (lua_type(L, index)) {
    case LUA_TSTRING:
    case LUA_TNUMBER: {
        if (!out.empty()) {
            out.push_back('&');
        }
        appendEscapedComponent(key, out);
        out.push_back('=');
        if (lua_type(L, index) == LUA_TNUMBER) {
            std::string number;
            appendNumber(lua_tonumber(L, index), number);
            appendEscapedComponent(number, out);
        } else {
            std::size_t len = 0;
            const char* text = lua_tolstring(L, index, &len);
            appendEscapedComponent({text, len}, out);
        }
        return true;
    }
    case LUA_TBOOLEAN:
        if (lua_toboolean(L, index)) {
            if (!out.empty()) {
                out.push_back('&');
            }
            appendEscapedComponent(key, out);
        }
        return true;
    default:
        error = std::string("attempt to use ") + lua_typename(L, lua_type(L, index)) +
                " as query arg value";
        return false;
    }
}

} // namespace

void appendEscapedComponent(std::string_view text, std::string& out)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (isUnreserved(byte)) {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(hex[byte >> 4]);
            out.push_back(hex[byte & 0xf]);
        }
    }
}

bool encodeArgsTable(lua_State* L, int index, std::string& out, std::string& error)
{
    const int table = index < 0 ? lua_gettop(L) + index + 1 : index;
    lua_pushnil(L);
    while (lua_next(L, table) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            lua_pop(L, 2);
            error = "attempt to use a non-string key in the \"args\" option table";
            return false;
        }
        std::size_t keyLen = 0;
        const char* keyText = lua_tolstring(L, -2, &keyLen);
        const std::string key(keyText, keyLen);
        bool ok = true;
        if (lua_type(L, -1) == LUA_TTABLE) {
            const int values = lua_gettop(L);
            const auto count = static_cast<int>(lua_objlen(L, values));
            for (int i = 1; ok && i <= count; ++i) {
                lua_rawgeti(L, values, i);
                ok = appendValue(L, -1, key, out, error);
                lua_pop(L, 1);
            }
        } else {
            ok = appendValue(L, -1, key, out, error);
        }
        lua_pop(L, 1);
        if (!ok) {
            lua_pop(L, 1);
            return false;
        }
    }
    return true;
}

std::string escapeForLog(std::string_view text)
{
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02X", byte);
            out.append(hex);
        } else {
            out.push_back(c);
        }
    }
    return out;
}

} // namespace restyscope::engine::api
