// ngx.shared.DICT bindings: lua-resty-core 0.1.25's shdict.lua (get, set, incr, ttl, ...)
// and lua-nginx-module 0.10.23's C methods (lists, get_keys, flush_expired), with their
// argument checks and error strings.

#include "engine/api/shdict.h"

#include "engine/api/api.h"
#include "engine/api/apicommon.h"
#include "engine/api/apiutil.h"
#include "engine/api/clock.h"
#include "engine/api/shdictstore.h"
#include "engine/conf/config.h"

#include <lua.hpp>

#include <map>
#include <memory>
#include <string>

namespace restyscope::engine::api {

namespace {

using Store = SharedDictStore;

std::map<std::string, std::unique_ptr<Store>>& registry()
{
    static std::map<std::string, std::unique_ptr<Store>> zones;
    return zones;
}

double nowMs(lua_State* L)
{
    return ngxNow(L) * 1000.0;
}

// lua-resty-core's check_zone: raised at the caller of the method.
Store* checkZone(lua_State* L)
{
    if (lua_type(L, 1) == LUA_TTABLE) {
        lua_rawgeti(L, 1, 1);
        void* p = lua_touserdata(L, -1);
        lua_pop(L, 1);
        if (p) {
            return static_cast<Store*>(p);
        }
    }
    errorAt(L, 1, "bad \"zone\" argument");
    return nullptr;
}

// The key checks every method shares; pushes nil, err and returns false on a bad key.
bool checkKey(lua_State* L, int index, std::string* key)
{
    const char* err = nullptr;
    if (lua_isnoneornil(L, index)) {
        err = "nil key";
    } else {
        *key = lua_type(L, index) == LUA_TSTRING
                   ? std::string(lua_tostring(L, index), lua_objlen(L, index))
                   : luaToString(L, index);
        if (key->empty()) {
            err = "empty key";
        } else if (key->size() > 65535) {
            err = "key too long";
        }
    }
    if (err) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return false;
    }
    return true;
}

void pushValue(lua_State* L, const ShdictValue& v)
{
    switch (v.type) {
    case ShdictValue::Type::String: lua_pushlstring(L, v.string.data(), v.string.size()); break;
    case ShdictValue::Type::Number: lua_pushnumber(L, v.number); break;
    case ShdictValue::Type::Boolean: lua_pushboolean(L, v.number != 0); break;
    default: lua_pushnil(L);
    }
}

int getImpl(lua_State* L, bool stale)
{
    Store* zone = checkZone(L);
    std::string key;
    if (!checkKey(L, 2, &key)) {
        return 2;
    }
    const Store::GetResult r = zone->get(key, stale, nowMs(L));
    if (!r.found) {
        lua_pushnil(L);
        return 1;
    }
    if (r.value.type == ShdictValue::Type::List) {
        lua_pushnil(L);
        lua_pushliteral(L, "value is a list");
        return 2;
    }
    pushValue(L, r.value);
    if (r.flags != 0) {
        lua_pushnumber(L, r.flags);
    } else if (!stale) {
        return 1;
    } else {
        lua_pushnil(L);
    }
    if (!stale) {
        return 2;
    }
    lua_pushboolean(L, r.stale);
    return 3;
}

int get(lua_State* L)
{
    return getImpl(L, false);
}

int getStale(lua_State* L)
{
    return getImpl(L, true);
}

int storeImpl(lua_State* L, Store::Op op, bool safe, bool withValue)
{
    Store* zone = checkZone(L);
    double exptime = 0;
    if (withValue && lua_toboolean(L, 4)) {
        exptime = lua_tonumber(L, 4);
        if (exptime < 0) {
            return errorAt(L, 1, "bad \"exptime\" argument");
        }
    }
    const auto flags =
        withValue && lua_toboolean(L, 5) ? static_cast<std::uint32_t>(lua_tonumber(L, 5)) : 0u;
    std::string key;
    if (!checkKey(L, 2, &key)) {
        return 2;
    }
    ShdictValue value;
    switch (withValue ? lua_type(L, 3) : LUA_TNIL) {
    case LUA_TSTRING:
        value.type = ShdictValue::Type::String;
        value.string.assign(lua_tostring(L, 3), lua_objlen(L, 3));
        break;
    case LUA_TNUMBER:
        value.type = ShdictValue::Type::Number;
        value.number = lua_tonumber(L, 3);
        break;
    case LUA_TBOOLEAN:
        value.type = ShdictValue::Type::Boolean;
        value.number = lua_toboolean(L, 3);
        break;
    case LUA_TNIL:
    case LUA_TNONE: break;
    default:
        lua_pushnil(L);
        lua_pushliteral(L, "bad value type");
        return 2;
    }
    const Store::StoreResult r = zone->store(
        op, safe, key, value, static_cast<std::uint64_t>(exptime * 1000), flags, nowMs(L));
    lua_pushboolean(L, r.status == Store::Status::Ok);
    if (r.error) {
        lua_pushstring(L, r.error);
    } else {
        lua_pushnil(L);
    }
    lua_pushboolean(L, r.forcible);
    return 3;
}

int set(lua_State* L)
{
    return storeImpl(L, Store::Op::Set, false, true);
}
int safeSet(lua_State* L)
{
    return storeImpl(L, Store::Op::Set, true, true);
}
int add(lua_State* L)
{
    return storeImpl(L, Store::Op::Add, false, true);
}
int safeAdd(lua_State* L)
{
    return storeImpl(L, Store::Op::Add, true, true);
}
int replace(lua_State* L)
{
    return storeImpl(L, Store::Op::Replace, false, true);
}
int remove(lua_State* L)
{
    return storeImpl(L, Store::Op::Set, false, false);
}

// tonumber(v), or nullopt with the Lua type name for the error message.
bool toNumber(lua_State* L, int index, double* out)
{
    if (lua_type(L, index) == LUA_TNUMBER) {
        *out = lua_tonumber(L, index);
        return true;
    }
    if (lua_type(L, index) == LUA_TSTRING) {
        lua_getglobal(L, "tonumber");
        lua_pushvalue(L, index);
        lua_call(L, 1, 1);
        const bool ok = lua_type(L, -1) == LUA_TNUMBER;
        *out = lua_tonumber(L, -1);
        lua_pop(L, 1);
        return ok;
    }
    return false;
}

int incr(lua_State* L)
{
    Store* zone = checkZone(L);
    std::string key;
    if (!checkKey(L, 2, &key)) {
        return 2;
    }
    double delta = 0;
    // lua-resty-core stores tonumber(value) into a double cdata; LuaJIT refuses nil there.
    if (!toNumber(L, 3, &delta)) {
        return restyError(L, "shdict.lua:760", "cannot convert 'nil' to 'double'");
    }
    std::optional<double> init;
    if (lua_toboolean(L, 4)) {
        double v = 0;
        if (!toNumber(L, 4, &v)) {
            return errorAt(
                L, 1, std::string("bad init arg: number expected, got ") + luaL_typename(L, 4));
        }
        init = v;
    }
    double initTtl = 0;
    if (!lua_isnoneornil(L, 5)) {
        if (!toNumber(L, 5, &initTtl)) {
            return errorAt(
                L, 1, std::string("bad init_ttl arg: number expected, got ") + luaL_typename(L, 5));
        }
        if (initTtl < 0) {
            return errorAt(L, 1, "bad \"init_ttl\" argument");
        }
        if (!init) {
            return errorAt(L, 1, "must provide \"init\" when providing \"init_ttl\"");
        }
    }
    double result = 0;
    const Store::StoreResult r =
        zone->incr(key, delta, init, static_cast<std::uint64_t>(initTtl * 1000), nowMs(L), &result);
    if (r.status != Store::Status::Ok) {
        lua_pushnil(L);
        lua_pushstring(L, r.error);
        return 2;
    }
    lua_pushnumber(L, result);
    if (!init) {
        return 1;
    }
    lua_pushnil(L);
    lua_pushboolean(L, r.forcible);
    return 3;
}

// lua-nginx-module's C methods check their argument count and the zone table themselves.
Store* checkCZone(lua_State* L, int minArgs, int maxArgs, const char* counted)
{
    const int n = lua_gettop(L);
    if (n < minArgs || n > maxArgs) {
        luaL_error(L, counted, n);
    }
    void* p = nullptr;
    if (lua_type(L, 1) == LUA_TTABLE) {
        lua_rawgeti(L, 1, 1);
        p = lua_touserdata(L, -1);
        lua_pop(L, 1);
    }
    if (!p) {
        luaL_error(L, "bad \"zone\" argument");
    }
    return static_cast<Store*>(p);
}

int pushImpl(lua_State* L, bool left)
{
    Store* zone = checkCZone(L, 3, 3, "expecting 3 arguments, but only seen %d");
    std::string key;
    if (!checkKey(L, 2, &key)) {
        return 2;
    }
    ShdictValue value;
    if (lua_type(L, 3) == LUA_TSTRING) {
        value.type = ShdictValue::Type::String;
        value.string.assign(lua_tostring(L, 3), lua_objlen(L, 3));
    } else if (lua_type(L, 3) == LUA_TNUMBER) {
        value.type = ShdictValue::Type::Number;
        value.number = lua_tonumber(L, 3);
    } else {
        lua_pushnil(L);
        lua_pushliteral(L, "bad value type");
        return 2;
    }
    std::size_t length = 0;
    const Store::StoreResult r = zone->push(key, left, value, nowMs(L), &length);
    if (r.status != Store::Status::Ok) {
        lua_pushnil(L);
        lua_pushstring(L, r.error);
        return 2;
    }
    lua_pushnumber(L, static_cast<double>(length));
    return 1;
}

int lpush(lua_State* L)
{
    return pushImpl(L, true);
}
int rpush(lua_State* L)
{
    return pushImpl(L, false);
}

int popImpl(lua_State* L, bool left)
{
    Store* zone = checkCZone(L, 2, 2, "expecting 2 arguments, but only seen %d");
    std::string key;
    if (!checkKey(L, 2, &key)) {
        return 2;
    }
    ShdictValue value;
    bool found = false;
    const Store::StoreResult r = zone->pop(key, left, nowMs(L), &value, &found);
    if (r.status != Store::Status::Ok) {
        lua_pushnil(L);
        lua_pushstring(L, r.error);
        return 2;
    }
    if (!found) {
        lua_pushnil(L);
        return 1;
    }
    pushValue(L, value);
    return 1;
}

int lpop(lua_State* L)
{
    return popImpl(L, true);
}
int rpop(lua_State* L)
{
    return popImpl(L, false);
}

int llen(lua_State* L)
{
    Store* zone = checkCZone(L, 2, 2, "expecting 2 arguments, but only seen %d");
    std::string key;
    if (!checkKey(L, 2, &key)) {
        return 2;
    }
    std::size_t length = 0;
    const Store::StoreResult r = zone->llen(key, nowMs(L), &length);
    if (r.status != Store::Status::Ok) {
        lua_pushnil(L);
        lua_pushstring(L, r.error);
        return 2;
    }
    lua_pushnumber(L, static_cast<double>(length));
    return 1;
}

int ttl(lua_State* L)
{
    Store* zone = checkZone(L);
    std::string key;
    if (!checkKey(L, 2, &key)) {
        return 2;
    }
    const std::optional<double> ms = zone->ttl(key, nowMs(L));
    if (!ms) {
        lua_pushnil(L);
        lua_pushliteral(L, "not found");
        return 2;
    }
    lua_pushnumber(L, static_cast<double>(static_cast<std::int64_t>(*ms)) / 1000.0);
    return 1;
}

int expire(lua_State* L)
{
    Store* zone = checkZone(L);
    if (!lua_toboolean(L, 3)) {
        return errorAt(L, 1, "bad \"exptime\" argument");
    }
    std::string key;
    if (!checkKey(L, 2, &key)) {
        return 2;
    }
    const double exptime = lua_tonumber(L, 3);
    if (!zone->expire(key, static_cast<std::uint64_t>(exptime * 1000), nowMs(L))) {
        lua_pushnil(L);
        lua_pushliteral(L, "not found");
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

int flushAll(lua_State* L)
{
    checkZone(L)->flushAll();
    return 0;
}

int flushExpired(lua_State* L)
{
    Store* zone = checkCZone(L, 1, 2, "expecting 1 or 2 argument(s), but saw %d");
    const int max = lua_gettop(L) == 2 ? static_cast<int>(luaL_checkinteger(L, 2)) : 0;
    lua_pushnumber(L, zone->flushExpired(max < 0 ? 0 : max, nowMs(L)));
    return 1;
}

int getKeys(lua_State* L)
{
    Store* zone = checkCZone(L, 1, 2, "expecting 1 or 2 argument(s), but saw %d");
    const int max = lua_gettop(L) == 2 ? static_cast<int>(luaL_checkinteger(L, 2)) : 1024;
    const std::vector<std::string> keys = zone->keys(max < 0 ? 0 : max, nowMs(L));
    lua_createtable(L, static_cast<int>(keys.size()), 0);
    for (std::size_t i = 0; i < keys.size(); ++i) {
        lua_pushlstring(L, keys[i].data(), keys[i].size());
        lua_rawseti(L, -2, static_cast<int>(i + 1));
    }
    return 1;
}

int capacity(lua_State* L)
{
    lua_pushnumber(L, static_cast<double>(checkZone(L)->capacity()));
    return 1;
}

int freeSpace(lua_State* L)
{
    lua_pushnumber(L, static_cast<double>(checkZone(L)->freeSpace()));
    return 1;
}

} // namespace

void configureSharedDicts(const conf::Config& config)
{
    auto& zones = registry();
    std::map<std::string, std::unique_ptr<Store>> next;
    if (!config.http) {
        zones.clear();
        return;
    }
    for (const auto& dict : config.http->sharedDicts) {
        auto old = zones.find(dict.name);
        if (old != zones.end() && old->second->capacity() == dict.size) {
            next[dict.name] = std::move(old->second);
        } else {
            next[dict.name] = std::make_unique<Store>(dict.name, dict.size);
        }
    }
    zones = std::move(next);
}

SharedDictStore* findSharedDict(const char* name)
{
    const auto it = registry().find(name);
    return it == registry().end() ? nullptr : it->second.get();
}

void installShared(lua_State* L)
{
    /* stack: ngx */
    lua_createtable(L, 0, 24); // the methods, shared by every zone table of this VM
    static const luaL_Reg methods[] = {{"get", get},
                                       {"get_stale", getStale},
                                       {"set", set},
                                       {"safe_set", safeSet},
                                       {"add", add},
                                       {"safe_add", safeAdd},
                                       {"replace", replace},
                                       {"delete", remove},
                                       {"incr", incr},
                                       {"lpush", lpush},
                                       {"rpush", rpush},
                                       {"lpop", lpop},
                                       {"rpop", rpop},
                                       {"llen", llen},
                                       {"ttl", ttl},
                                       {"expire", expire},
                                       {"flush_all", flushAll},
                                       {"flush_expired", flushExpired},
                                       {"get_keys", getKeys},
                                       {"capacity", capacity},
                                       {"free_space", freeSpace},
                                       {nullptr, nullptr}};
    for (const luaL_Reg* m = methods; m->name; ++m) {
        setFunction(L, m->name, m->func);
    }
    lua_createtable(L, 0, 1); // metatable
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, "__index");
    /* stack: ngx methods mt */
    lua_createtable(L, 0, static_cast<int>(registry().size()));
    for (const auto& [name, store] : registry()) {
        lua_createtable(L, 1, 0);
        lua_pushlightuserdata(L, store.get());
        lua_rawseti(L, -2, 1);
        lua_pushvalue(L, -3);
        lua_setmetatable(L, -2);
        lua_setfield(L, -2, name.c_str());
    }
    lua_setfield(L, -4, "shared");
    lua_pop(L, 2);
}

} // namespace restyscope::engine::api
