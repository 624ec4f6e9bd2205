#pragma once
// Small helpers for bindings that stand in for lua-resty-core's Lua functions: its
// tostring() conversions, its FFI argument conversions, its error positions, and the
// tables where a repeated key collects its values.

#include <optional>
#include <string>

struct lua_State;

namespace restyscope::engine::api {

// Keeps the VM's original tostring (before user code can replace the global), as
// lua-resty-core captures it when it loads. Called by the installers.
void captureLuaToString(lua_State* L);
// tostring(value) as Lua computes it (__tostring, "table: 0x...", "%.14g").
std::string luaToString(lua_State* L, int index);

// Raises msg at the position lua-resty-core 0.1.25 raises it with error(msg) (level 1):
// inside its own file, "/usr/share/lua/5.1/resty/core/<where>: msg".
int restyError(lua_State* L, const char* where, const std::string& message);
// Raises msg positioned at the given call level (1: the Lua code calling the C function,
// as error(msg, 2) in a Lua wrapper; 2: its caller, as error(msg, 3)).
int errorAt(lua_State* L, int level, const std::string& message);

// An argument lua-resty-core hands to an FFI "int" parameter: numbers truncate, booleans
// are 0/1; other types raise LuaJIT's conversion error, positioned in resty.core's file
// (where) and naming the C function and the parameter number.
int ffiIntArgument(lua_State* L, int index, const char* where, const char* function, int parameter);

// table[key] = value, where a key already there collects its values in an array
// ({old, value}, then appended): how get_headers, get_uri_args and capture's header table
// repeat a key. table is an absolute index.
/* stack: key, value -> (popped) */
void addMultiValue(lua_State* L, int table);

} // namespace restyscope::engine::api
