#pragma once
// Design: the closure factory (lua-nginx-module's ngx_http_lua_clfactory.c). Loading Lua
// code yields a *factory*: a function that returns a fresh closure of the handler each time
// it is called. The code cache stores factories; every request calls one to get its closure.
//
// Two ways to build the factory, same observable loading rules (shebang, bytecode, errors):
//  - MainChunk (default): compile the code as an ordinary main chunk, then append a factory
//    prototype at the bytecode level (bytecode.h). The closure is the main chunk itself, so
//    syntax errors, `...`, and tracebacks ("in main chunk") read exactly as on OpenResty,
//    which caches the main chunk directly.
//  - SourceWrap: the seed's text wrapper, "return function() " + code + "\nend", the prefix
//    on the code's first line so line numbers hold. Errors about unclosed blocks and
//    tracebacks ("in function <x:1>") then differ from nginx's.
// Bytecode files are wrapped at the bytecode level in both styles, as lua-nginx-module does.

#include <cstddef>
#include <string>
#include <string_view>

struct lua_State;

namespace restyscope::engine::runtime {

enum class FactoryStyle { MainChunk, SourceWrap };

enum class LoadStatus {
    Ok,
    NotFound,    // the file does not exist (ENOENT): nginx answers 404
    FileError,   // other open/read failures, shebang + bytecode: 503
    SyntaxError, // compile errors, bad bytecode: 500
    MemoryError, // 500
    Error,       // the cache table is gone, a factory failed to run: 500
};

// The HTTP status nginx answers a failed load with (0 for Ok).
int httpStatusFor(LoadStatus status);

struct FactoryResult
{
    LoadStatus status = LoadStatus::Ok;
    std::string error;     // Lua's message: "cannot open /p/x.lua: No such file or directory"
    std::size_t bytes = 0; // bytes of source or bytecode read
    bool bytecode = false;

    bool ok() const { return status == LoadStatus::Ok; }
};

// A Lua file, chunk name "@<path>". A first line starting with '#' is skipped (its newline
// kept, so line numbers hold); a first byte ESC loads LuaJIT bytecode; a shebang followed by
// bytecode is refused ("bad byte-code header in <path>").
/* stack: ... -> ..., factory          (on failure nothing is pushed) */
FactoryResult loadFileFactory(lua_State* L, const std::string& absolutePath,
                              FactoryStyle style = FactoryStyle::MainChunk);

// Inline code under chunkName ("=content_by_lua(nginx.conf:12)").
/* stack: ... -> ..., factory          (on failure nothing is pushed) */
FactoryResult loadBufferFactory(lua_State* L, std::string_view source, const std::string& chunkName,
                                FactoryStyle style = FactoryStyle::MainChunk);

} // namespace restyscope::engine::runtime
