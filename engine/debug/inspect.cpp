#include "engine/debug/inspect.h"

#include <lua.hpp>

#include <cstdio>

namespace restyscope::engine::debug {

namespace {

std::string pointerText(const char* type, const void* p)
{
    char text[64];
    std::snprintf(text, sizeof text, "%s: %p", type, p);
    return text;
}

} // namespace

std::string describeValue(lua_State* L, int index, int depth)
{
    index = index < 0 ? lua_gettop(L) + index + 1 : index;
    switch (lua_type(L, index)) {
    case LUA_TNIL: return "nil";
    case LUA_TBOOLEAN: return lua_toboolean(L, index) ? "true" : "false";
    case LUA_TNUMBER: {
        char text[32];
        std::snprintf(text, sizeof text, "%.14g", lua_tonumber(L, index));
        return text;
    }
    case LUA_TSTRING: {
        std::size_t len = 0;
        const char* s = lua_tolstring(L, index, &len);
        std::string text = "\"";
        text.append(s, std::min<std::size_t>(len, 200));
        text += len > 200 ? "...\"" : "\"";
        return text;
    }
    case LUA_TTABLE: {
        std::string text = pointerText("table", lua_topointer(L, index));
        if (depth <= 0) {
            return text;
        }
        text += " {";
        int shown = 0;
        lua_pushnil(L);
        while (lua_next(L, index) != 0) {
            if (shown == 8) {
                text += ", ...";
                lua_pop(L, 2);
                break;
            }
            text += shown++ ? ", " : "";
            const std::string key = lua_type(L, -2) == LUA_TSTRING
                                        ? std::string(lua_tostring(L, -2))
                                        : "[" + describeValue(L, -2, 0) + "]";
            text += key + " = " + describeValue(L, -1, depth - 1);
            lua_pop(L, 1);
        }
        return text + "}";
    }
    case LUA_TFUNCTION: return pointerText("function", lua_topointer(L, index));
    case LUA_TTHREAD: return pointerText("thread", lua_topointer(L, index));
    case LUA_TLIGHTUSERDATA:
        return lua_touserdata(L, index) ? pointerText("userdata", lua_touserdata(L, index))
                                        : std::string("null");
    default: return pointerText(luaL_typename(L, index), lua_topointer(L, index));
    }
}

int stackDepth(lua_State* co)
{
    lua_Debug ar;
    int level = 0;
    while (lua_getstack(co, level, &ar) != 0) {
        ++level;
    }
    return level;
}

std::vector<FrameInfo> stackOf(lua_State* co)
{
    std::vector<FrameInfo> frames;
    lua_Debug ar;
    for (int level = 0; lua_getstack(co, level, &ar) != 0; ++level) {
        lua_getinfo(co, "Snl", &ar);
        FrameInfo frame;
        frame.level = level;
        frame.source = ar.source ? ar.source : "?";
        frame.line = ar.currentline;
        frame.name = ar.name ? ar.name : "";
        frame.what = ar.what ? ar.what : "";
        frames.push_back(std::move(frame));
    }
    return frames;
}

bool localsOf(lua_State* co, int level, std::vector<VariableInfo>& out)
{
    lua_Debug ar;
    if (lua_getstack(co, level, &ar) == 0) {
        return false;
    }
    for (int i = 1;; ++i) {
        const char* name = lua_getlocal(co, &ar, i);
        if (!name) {
            break;
        }
        if (name[0] != '(') { // "(*temporary)" slots are not variables
            out.push_back({name, luaL_typename(co, -1), describeValue(co, -1)});
        }
        lua_pop(co, 1);
    }
    return true;
}

bool upvaluesOf(lua_State* co, int level, std::vector<VariableInfo>& out)
{
    lua_Debug ar;
    if (lua_getstack(co, level, &ar) == 0) {
        return false;
    }
    lua_getinfo(co, "f", &ar); /* stack: ... -> ..., f */
    for (int i = 1;; ++i) {
        const char* name = lua_getupvalue(co, -1, i);
        if (!name) {
            break;
        }
        out.push_back({name, luaL_typename(co, -1), describeValue(co, -1)});
        lua_pop(co, 1);
    }
    lua_pop(co, 1);
    return true;
}

bool evaluate(lua_State* co, int level, const std::string& expression,
              std::vector<VariableInfo>& results, std::string& error)
{
    lua_Debug ar;
    if (lua_getstack(co, level, &ar) == 0) {
        error = "no frame " + std::to_string(level);
        return false;
    }
    const int top = lua_gettop(co);
    // The scope: a table of the frame's upvalues then locals, falling back to globals.
    lua_newtable(co); /* stack: env */
    lua_newtable(co); /* stack: env, mt */
    lua_pushvalue(co, LUA_GLOBALSINDEX);
    lua_setfield(co, -2, "__index");
    lua_setmetatable(co, -2);  /* stack: env */
    lua_getinfo(co, "f", &ar); /* stack: env, f */
    for (int i = 1;; ++i) {
        const char* name = lua_getupvalue(co, -1, i);
        if (!name) {
            break;
        }
        lua_setfield(co, -3, name);
    }
    lua_pop(co, 1);
    for (int i = 1;; ++i) {
        const char* name = lua_getlocal(co, &ar, i);
        if (!name) {
            break;
        }
        if (name[0] != '(') {
            lua_setfield(co, -2, name);
        } else {
            lua_pop(co, 1);
        }
    }
    const std::string asExpression = "return " + expression;
    if (luaL_loadbuffer(co, asExpression.data(), asExpression.size(), "=eval") != 0) {
        lua_pop(co, 1);
        if (luaL_loadbuffer(co, expression.data(), expression.size(), "=eval") != 0) {
            error = lua_tostring(co, -1) ? lua_tostring(co, -1) : "syntax error";
            lua_settop(co, top);
            return false;
        }
    }
    lua_pushvalue(co, -2); /* stack: env, chunk, env */
    lua_setfenv(co, -2);   /* stack: env, chunk */
    const int base = lua_gettop(co) - 1;
    if (lua_pcall(co, 0, LUA_MULTRET, 0) != 0) {
        error = lua_tostring(co, -1) ? lua_tostring(co, -1) : "error";
        lua_settop(co, top);
        return false;
    }
    for (int i = base + 1; i <= lua_gettop(co); ++i) {
        results.push_back({std::to_string(i - base), luaL_typename(co, i), describeValue(co, i)});
    }
    lua_settop(co, top);
    return true;
}

} // namespace restyscope::engine::debug
