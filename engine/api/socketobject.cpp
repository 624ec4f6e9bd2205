#include "engine/api/socketobject.h"

#include <lua.hpp>

#include <new>
#include <utility>

namespace restyscope::engine::api::cosocket {

namespace {

struct Box
{
    std::shared_ptr<void> socket;
};

int boxGc(lua_State* L)
{
    if (auto* box = static_cast<Box*>(lua_touserdata(L, 1))) {
        box->~Box();
    }
    return 0;
}

// Registers the kind under metaKey: its methods table becomes the objects' __index.
/* stack: methods -> */
void registerSocketKind(lua_State* L, const void* metaKey)
{
    /* stack: methods -> meta -> */
    lua_createtable(L, 0, 2);
    lua_insert(L, -2);
    lua_setfield(L, -2, "__index");
    lua_createtable(L, 0, 1); /* the userdata's own metatable */
    lua_pushcfunction(L, boxGc);
    lua_setfield(L, -2, "__gc");
    lua_setfield(L, -2, "box");
    lua_pushlightuserdata(L, const_cast<void*>(metaKey));
    lua_insert(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX);
}

} // namespace

void pushSocketObject(lua_State* L, const void* metaKey, PushSocketMethods pushMethods,
                      std::shared_ptr<void> socket)
{
    lua_createtable(L, 3, 1); /* stack: obj */
    void* memory = lua_newuserdata(L, sizeof(Box));
    new (memory) Box{std::move(socket)};
    lua_pushlightuserdata(L, const_cast<void*>(metaKey));
    lua_rawget(L, LUA_REGISTRYINDEX); /* stack: obj, box, meta */
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        pushMethods(L);
        registerSocketKind(L, metaKey);
        lua_pushlightuserdata(L, const_cast<void*>(metaKey));
        lua_rawget(L, LUA_REGISTRYINDEX);
    }
    lua_getfield(L, -1, "box");
    lua_setmetatable(L, -3);
    lua_setmetatable(L, -3); /* stack: obj, box */
    lua_rawseti(L, -2, 1);   /* stack: obj */
}

std::shared_ptr<void> socketOfObject(lua_State* L, int index, const void* metaKey)
{
    if (lua_type(L, index) != LUA_TTABLE) {
        return nullptr;
    }
    lua_rawgeti(L, index, 1);
    auto* box = static_cast<Box*>(lua_touserdata(L, -1));
    std::shared_ptr<void> socket;
    if (box && lua_getmetatable(L, -1)) {
        lua_pushlightuserdata(L, const_cast<void*>(metaKey));
        lua_rawget(L, LUA_REGISTRYINDEX);
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "box"); /* stack: box, its meta, meta, box meta */
        } else {
            lua_pushnil(L); // the kind has no object yet
        }
        if (lua_rawequal(L, -1, -3)) {
            socket = box->socket;
        }
        lua_pop(L, 3);
    }
    lua_pop(L, 1);
    return socket;
}

int pushNilError(lua_State* L, std::string_view error)
{
    lua_pushnil(L);
    lua_pushlstring(L, error.data(), error.size());
    return 2;
}

} // namespace restyscope::engine::api::cosocket
