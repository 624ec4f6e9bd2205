#include "engine/api/querystring.h"

#include "engine/api/apiutil.h"
#include "engine/api/codec.h"

#include <lua.hpp>

namespace restyscope::engine::api {

namespace {

constexpr int kDefaultMaxArgs = 100;

// One "key", "key=" or "key=value" piece, decoded; nullopt for an empty key.
std::optional<QueryArg> decodePair(std::string_view key, std::optional<std::string_view> value)
{
    QueryArg arg;
    arg.key = unescapeUriComponent(key);
    if (arg.key.empty()) {
        return std::nullopt;
    }
    if (value) {
        arg.value = unescapeUriComponent(*value);
    }
    return arg;
}

// Walks "k=v&k&..." calling pair(key, value-or-nullopt, endedByAmpersand) for each piece;
// pair returns false to stop.
template <typename Pair> void walkPairs(std::string_view args, Pair&& pair)
{
    std::size_t start = 0;
    std::size_t eq = std::string_view::npos;
    for (std::size_t p = 0; p < args.size(); ++p) {
        const char c = args[p];
        if (c == '=' && eq == std::string_view::npos) {
            eq = p;
        } else if (c == '&') {
            const std::string_view piece = args.substr(start, p - start);
            bool more = false;
            if (eq == std::string_view::npos) {
                more = pair(piece, std::nullopt, true);
            } else {
                more = pair(args.substr(start, eq - start),
                            std::optional<std::string_view>(args.substr(eq + 1, p - eq - 1)), true);
            }
            if (!more) {
                return;
            }
            start = p + 1;
            eq = std::string_view::npos;
        }
    }
    // The last piece, unless the string ended right after a '&' (or is empty).
    if (start < args.size() || eq != std::string_view::npos) {
        if (eq == std::string_view::npos) {
            pair(args.substr(start), std::nullopt, false);
        } else {
            pair(args.substr(start, eq - start),
                 std::optional<std::string_view>(args.substr(eq + 1)), false);
        }
    }
}

} // namespace

ParsedArgs parseUriArgs(std::string_view args, int max)
{
    ParsedArgs result;
    if (max < 0) {
        max = kDefaultMaxArgs;
    }
    int count = 0;
    for (const char c : args) {
        if (c == '&') {
            count += count == 0 ? 2 : 1;
        }
    }
    if (count > 0) {
        if (max > 0 && count > max) {
            count = max;
            result.truncated = true;
        }
    } else if (!args.empty()) {
        count = 1;
    }
    if (count == 0) {
        return result;
    }
    walkPairs(args, [&](std::string_view key, std::optional<std::string_view> value, bool) {
        if (auto arg = decodePair(key, value)) {
            result.args.push_back(std::move(*arg));
        }
        return static_cast<int>(result.args.size()) < count;
    });
    return result;
}

ParsedArgs parseArgs(std::string_view args, int max)
{
    ParsedArgs result;
    int count = 0;
    walkPairs(args, [&](std::string_view key, std::optional<std::string_view> value,
                        bool endedByAmpersand) {
        if (auto arg = decodePair(key, value)) {
            result.args.push_back(std::move(*arg));
        }
        // Every '&'-ended piece counts, kept or not.
        if (endedByAmpersand && max > 0 && ++count == max) {
            result.truncated = true;
            return false;
        }
        return true;
    });
    return result;
}

void pushArgsTable(lua_State* L, const std::vector<QueryArg>& args)
{
    lua_createtable(L, 0, static_cast<int>(args.size()));
    const int table = lua_gettop(L);
    for (const QueryArg& arg : args) {
        lua_pushlstring(L, arg.key.data(), arg.key.size());
        if (arg.value) {
            lua_pushlstring(L, arg.value->data(), arg.value->size());
        } else {
            lua_pushboolean(L, 1);
        }
        addMultiValue(L, table); /* stack: table, key, value -> table */
    }
}

bool encodeArgs(lua_State* L, int index, std::string& out, std::string& error)
{
    const int table = index < 0 ? lua_gettop(L) + index + 1 : index;
    std::string result;
    auto addPair = [&result](std::string_view key, const char* value, std::size_t len) {
        result.push_back('&'); // pairs are joined by '&'; the first one is dropped below
        appendEscaped(key, EscapeType::UriComponent, result);
        if (value) {
            result.push_back('=');
            appendEscaped({value, len}, EscapeType::UriComponent, result);
        }
    };
    lua_pushnil(L);
    while (lua_next(L, table) != 0) {
        /* stack: ..., key, value */
        if (lua_type(L, -2) != LUA_TSTRING) {
            lua_pop(L, 2);
            error = "attempt to use a non-string key in the \"args\" option table";
            return false;
        }
        std::size_t keyLen = 0;
        const char* keyText = lua_tolstring(L, -2, &keyLen);
        const std::string_view key(keyText, keyLen);
        switch (lua_type(L, -1)) {
        case LUA_TNUMBER:
        case LUA_TSTRING: {
            std::size_t len = 0;
            const char* value = lua_tolstring(L, -1, &len);
            addPair(key, value, len);
            break;
        }
        case LUA_TBOOLEAN:
            if (lua_toboolean(L, -1)) {
                addPair(key, nullptr, 0);
            }
            break;
        case LUA_TTABLE:
            lua_pushnil(L);
            while (lua_next(L, -2) != 0) {
                /* stack: ..., key, list, index, item */
                if (lua_type(L, -1) == LUA_TBOOLEAN) {
                    if (lua_toboolean(L, -1)) {
                        addPair(key, nullptr, 0);
                    }
                } else {
                    std::size_t len = 0;
                    const char* value = lua_tolstring(L, -1, &len);
                    if (!value) {
                        error = std::string("attempt to use ") + luaL_typename(L, -1) +
                                " as query arg value";
                        lua_pop(L, 4);
                        return false;
                    }
                    addPair(key, value, len);
                }
                lua_pop(L, 1);
            }
            break;
        default:
            error = std::string("attempt to use ") + luaL_typename(L, -1) + " as query arg value";
            lua_pop(L, 2);
            return false;
        }
        lua_pop(L, 1);
    }
    // Every pair was written with a leading '&'.
    out.assign(result.empty() ? result : result.substr(1));
    return true;
}

} // namespace restyscope::engine::api
