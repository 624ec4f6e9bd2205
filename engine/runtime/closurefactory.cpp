#include "engine/runtime/closurefactory.h"

#include "engine/runtime/bytecode.h"

#include <lua.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace restyscope::engine::runtime {

namespace {

constexpr std::string_view kWrapBegin = "return function() ";
constexpr std::string_view kWrapEnd = "\nend";
constexpr char kSignature = '\033'; // LUA_SIGNATURE[0]

struct FileCloser
{
    void operator()(std::FILE* f) const { std::fclose(f); }
};

// "cannot <what> <path>: <strerror>" as lua-nginx-module (and luaL_loadfile) word it.
FactoryResult fileError(const char* what, const std::string& path, int err)
{
    FactoryResult result;
    result.status = err == ENOENT ? LoadStatus::NotFound : LoadStatus::FileError;
    result.error = std::string("cannot ") + what + " " + path;
    if (err != 0) {
        result.error.append(": ").append(std::strerror(err));
    }
    return result;
}

bool readAll(std::FILE* f, std::string& out)
{
    char buf[8192];
    for (;;) {
        const std::size_t n = std::fread(buf, 1, sizeof(buf), f);
        out.append(buf, n);
        if (n < sizeof(buf)) {
            return std::ferror(f) == 0;
        }
    }
}

// Runs lua_load on one or more pieces without concatenating them.
struct Pieces
{
    const std::string_view* parts;
    std::size_t count;
    std::size_t next = 0;
};

const char* readPieces(lua_State* /*L*/, void* ud, std::size_t* size)
{
    auto* p = static_cast<Pieces*>(ud);
    while (p->next < p->count) {
        const std::string_view part = p->parts[p->next++];
        if (!part.empty()) {
            *size = part.size();
            return part.data();
        }
    }
    *size = 0;
    return nullptr;
}

/* stack: ... -> ..., fn | ..., message */
int loadPieces(lua_State* L, std::initializer_list<std::string_view> parts, const char* name)
{
    Pieces pieces{parts.begin(), parts.size()};
    return lua_load(L, readPieces, &pieces, name);
}

// Turns a lua_load failure (message on top) into a result; pops the message.
/* stack: ..., message -> ... */
FactoryResult loadFailure(lua_State* L, int rc)
{
    FactoryResult result;
    result.status = rc == LUA_ERRMEM ? LoadStatus::MemoryError : LoadStatus::SyntaxError;
    if (rc == LUA_ERRMEM) {
        result.error = "memory allocation error";
    } else if (const char* msg = lua_tostring(L, -1)) {
        result.error = msg;
    } else {
        result.error = "unknown error";
    }
    lua_pop(L, 1);
    return result;
}

// Replaces the function on top (a main chunk) by its factory, built from its bytecode.
/* stack: ..., fn -> ..., factory | ... (error) */
FactoryResult wrapDump(lua_State* L, std::string_view dump, const char* name)
{
    const auto wrapped = appendFactoryPrototype(dump);
    lua_pop(L, 1);
    if (!wrapped) {
        FactoryResult result;
        result.status = LoadStatus::Error;
        result.error = "cannot build the closure factory";
        return result;
    }
    const int rc = loadPieces(L, {*wrapped}, name);
    return rc == 0 ? FactoryResult{} : loadFailure(L, rc);
}

/* stack: ... -> ..., factory | ... */
FactoryResult loadBytecode(lua_State* L, std::string_view bytes, const char* name)
{
    // The plain load first: a bad dump fails with LuaJIT's own message, as on nginx.
    const int rc = loadPieces(L, {bytes}, name);
    if (rc != 0) {
        return loadFailure(L, rc);
    }
    return wrapDump(L, bytes, name);
}

/* stack: ... -> ..., factory | ... */
FactoryResult loadText(lua_State* L, std::string_view lead, std::string_view code, const char* name,
                       FactoryStyle style)
{
    if (style == FactoryStyle::SourceWrap) {
        const int rc = loadPieces(L, {lead, kWrapBegin, code, kWrapEnd}, name);
        return rc == 0 ? FactoryResult{} : loadFailure(L, rc);
    }
    const int rc = loadPieces(L, {lead, code}, name);
    if (rc != 0) {
        return loadFailure(L, rc);
    }
    const auto dump = dumpFunction(L);
    if (!dump) { // code that was itself bytecode of a C function cannot happen; be safe
        lua_pop(L, 1);
        FactoryResult result;
        result.status = LoadStatus::Error;
        result.error = "cannot dump the main chunk";
        return result;
    }
    return wrapDump(L, *dump, name);
}

} // namespace

int httpStatusFor(LoadStatus status)
{
    switch (status) {
    case LoadStatus::Ok: return 0;
    case LoadStatus::NotFound: return 404;
    case LoadStatus::FileError: return 503;
    case LoadStatus::SyntaxError:
    case LoadStatus::MemoryError:
    case LoadStatus::Error: return 500;
    }
    return 500;
}

FactoryResult loadFileFactory(lua_State* L, const std::string& absolutePath, FactoryStyle style)
{
    const std::string name = "@" + absolutePath;

    errno = 0;
    const std::unique_ptr<std::FILE, FileCloser> file(std::fopen(absolutePath.c_str(), "rb"));
    if (!file) {
        return fileError("open", absolutePath, errno);
    }
    std::string content;
    errno = 0;
    if (!readAll(file.get(), content)) {
        return fileError("read", absolutePath, errno);
    }

    std::string_view code = content;
    std::string_view lead;
    bool sharp = false;
    if (!code.empty() && code.front() == '#') {
        // Skip the first line but keep its newline, so line 2 stays line 2.
        const std::size_t eol = code.find('\n');
        code = eol == std::string_view::npos ? std::string_view() : code.substr(eol + 1);
        lead = "\n";
        sharp = true;
    }

    FactoryResult result;
    if (!code.empty() && code.front() == kSignature) {
        // Bytecode behind a "#!" line could smuggle bytecode past a text check: refused.
        if (sharp) {
            result.status = LoadStatus::FileError;
            result.error = "bad byte-code header in " + absolutePath;
            result.bytes = content.size();
            return result;
        }
        result = loadBytecode(L, code, name.c_str());
        result.bytecode = true;
    } else {
        result = loadText(L, lead, code, name.c_str(), style);
    }
    result.bytes = content.size();
    return result;
}

FactoryResult loadBufferFactory(lua_State* L, std::string_view source, const std::string& chunkName,
                                FactoryStyle style)
{
    FactoryResult result = loadText(L, {}, source, chunkName.c_str(), style);
    result.bytes = source.size();
    return result;
}

} // namespace restyscope::engine::runtime
