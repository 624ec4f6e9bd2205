#pragma once
// Design: LuaJIT bytecode surgery for the closure factory. A dump lists its prototypes
// children first and the main chunk last; appending one more prototype whose body is
// "return <new closure of the previous prototype>" turns any main chunk into a closure
// factory while the main chunk itself stays byte for byte what LuaJIT compiled (line info,
// chunk name, "in main chunk" in tracebacks). lua-nginx-module does the same for bytecode
// files on stock LuaJIT (ngx_http_lua_clfactory.c). The appended prototype is taken from
// the running LuaJIT's own dump of `return function() end`, so no opcode is hard-coded.

struct lua_State;

#include <optional>
#include <string>
#include <string_view>

namespace restyscope::engine::runtime {

struct BytecodeHeader
{
    int version = 0;
    unsigned flags = 0;
    bool stripped = false;
    std::string_view chunkName; // empty when stripped
    std::size_t size = 0;       // bytes before the first prototype
};

// True when data starts like a LuaJIT dump (ESC 'L' 'J').
bool looksLikeBytecode(std::string_view data);
std::optional<BytecodeHeader> parseBytecodeHeader(std::string_view dump);

// dump with the factory prototype appended; nullopt when dump is not a complete LuaJIT dump.
std::optional<std::string> appendFactoryPrototype(std::string_view dump);

// lua_dump of the Lua function on top of the stack (not popped); nullopt for C functions.
/* stack: fn -> fn */
std::optional<std::string> dumpFunction(lua_State* L);

} // namespace restyscope::engine::runtime
