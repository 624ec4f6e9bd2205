#include "engine/runtime/bytecode.h"

#include <lua.hpp>

#include <cstdint>

namespace restyscope::engine::runtime {

namespace {

// LuaJIT's dump format (lj_bcdump.h): "\x1bLJ", version byte, ULEB128 flags, then, unless
// stripped, the chunk name as ULEB128 length + bytes; then prototypes, each a ULEB128
// length + body; a zero byte ends the dump.
constexpr unsigned char kEsc = 0x1b;
constexpr unsigned kFlagStrip = 0x02; // BCDUMP_F_STRIP

class Reader
{
public:
    explicit Reader(std::string_view data) : m_data(data) {}

    bool uleb(std::uint32_t& out)
    {
        out = 0;
        for (unsigned shift = 0; shift < 35; shift += 7) {
            if (m_pos >= m_data.size()) {
                return false;
            }
            const auto byte = static_cast<unsigned char>(m_data[m_pos++]);
            out |= static_cast<std::uint32_t>(byte & 0x7f) << shift;
            if ((byte & 0x80) == 0) {
                return true;
            }
        }
        return false;
    }
    bool skip(std::size_t n)
    {
        if (m_data.size() - m_pos < n) {
            return false;
        }
        m_pos += n;
        return true;
    }
    std::size_t pos() const { return m_pos; }
    std::string_view rest() const { return m_data.substr(m_pos); }

private:
    std::string_view m_data;
    std::size_t m_pos = 0;
};

void appendUleb(std::string& out, std::uint32_t value)
{
    while (value >= 0x80) {
        out.push_back(static_cast<char>((value & 0x7f) | 0x80));
        value >>= 7;
    }
    out.push_back(static_cast<char>(value));
}

int collectChunk(lua_State* /*L*/, const void* p, size_t size, void* ud)
{
    static_cast<std::string*>(ud)->append(static_cast<const char*>(p), size);
    return 0;
}

struct FactoryPrototypes
{
    std::string stripped; // ULEB length + body, as in a stripped dump
    std::string full;     // the same with an empty debug-info size, as in a full dump
    bool ok = false;
};

// The main prototype of `return function() end` in the running LuaJIT, in both encodings.
FactoryPrototypes deriveFactoryPrototypes()
{
    FactoryPrototypes protos;
    lua_State* L = luaL_newstate();
    if (L == nullptr) {
        return protos;
    }
    luaL_openlibs(L);
    std::string dump;
    // string.dump, not lua_dump: only the former can strip.
    static constexpr char kSource[] =
        "return string.dump(assert(loadstring('return function() end')), true)";
    if (luaL_loadbuffer(L, kSource, sizeof(kSource) - 1, "=factory") == 0 &&
        lua_pcall(L, 0, 1, 0) == 0 && lua_isstring(L, -1)) {
        std::size_t len = 0;
        const char* s = lua_tolstring(L, -1, &len);
        dump.assign(s, len);
    }
    lua_close(L);

    const auto header = parseBytecodeHeader(dump);
    if (!header || !header->stripped) {
        return protos;
    }
    Reader r(std::string_view(dump).substr(header->size));
    std::uint32_t childLen = 0;
    std::uint32_t mainLen = 0;
    if (!r.uleb(childLen) || !r.skip(childLen)) {
        return protos;
    }
    const std::size_t mainStart = r.pos();
    if (!r.uleb(mainLen)) {
        return protos;
    }
    const std::size_t bodyStart = r.pos();
    if (!r.skip(mainLen) || r.rest() != std::string_view("\0", 1)) {
        return protos;
    }
    const std::string_view body = std::string_view(dump).substr(header->size + bodyStart, mainLen);
    protos.stripped = dump.substr(header->size + mainStart, bodyStart - mainStart + mainLen);

    // Body: flags, numparams, framesize, sizeuv (one byte each), then ULEB128 sizekgc,
    // sizekn, sizebc; a full dump adds ULEB128 sizedbg there (0: no line info follows).
    Reader b(body);
    std::uint32_t ignored = 0;
    if (!b.skip(4) || !b.uleb(ignored) || !b.uleb(ignored) || !b.uleb(ignored)) {
        return protos;
    }
    std::string fullBody(body.substr(0, b.pos()));
    fullBody.push_back('\0');
    fullBody.append(body.substr(b.pos()));
    appendUleb(protos.full, static_cast<std::uint32_t>(fullBody.size()));
    protos.full.append(fullBody);
    protos.ok = true;
    return protos;
}

const FactoryPrototypes& factoryPrototypes()
{
    static const FactoryPrototypes protos = deriveFactoryPrototypes();
    return protos;
}

} // namespace

bool looksLikeBytecode(std::string_view data)
{
    return data.size() >= 3 && static_cast<unsigned char>(data[0]) == kEsc && data[1] == 'L' &&
           data[2] == 'J';
}

std::optional<BytecodeHeader> parseBytecodeHeader(std::string_view dump)
{
    if (!looksLikeBytecode(dump) || dump.size() < 5) {
        return std::nullopt;
    }
    BytecodeHeader header;
    header.version = static_cast<unsigned char>(dump[3]);
    Reader r(dump);
    r.skip(4);
    std::uint32_t flags = 0;
    if (!r.uleb(flags)) {
        return std::nullopt;
    }
    header.flags = flags;
    header.stripped = (flags & kFlagStrip) != 0;
    if (!header.stripped) {
        std::uint32_t nameLen = 0;
        if (!r.uleb(nameLen)) {
            return std::nullopt;
        }
        const std::size_t nameStart = r.pos();
        if (!r.skip(nameLen)) {
            return std::nullopt;
        }
        header.chunkName = dump.substr(nameStart, nameLen);
    }
    header.size = r.pos();
    return header;
}

std::optional<std::string> appendFactoryPrototype(std::string_view dump)
{
    const auto header = parseBytecodeHeader(dump);
    const FactoryPrototypes& protos = factoryPrototypes();
    if (!header || !protos.ok) {
        return std::nullopt;
    }
    // Walk the prototypes to find the terminating zero; a dump with anything after it, or
    // none at all, is not touched.
    Reader r(dump.substr(header->size));
    std::uint32_t len = 0;
    std::size_t count = 0;
    for (;;) {
        if (!r.uleb(len)) {
            return std::nullopt;
        }
        if (len == 0) {
            break;
        }
        if (!r.skip(len)) {
            return std::nullopt;
        }
        ++count;
    }
    if (count == 0 || !r.rest().empty()) {
        return std::nullopt;
    }
    std::string out(dump.substr(0, dump.size() - 1));
    out.append(header->stripped ? protos.stripped : protos.full);
    out.push_back('\0');
    return out;
}

std::optional<std::string> dumpFunction(lua_State* L)
{
    if (!lua_isfunction(L, -1) || lua_iscfunction(L, -1)) {
        return std::nullopt;
    }
    std::string out;
    if (lua_dump(L, collectChunk, &out) != 0 || out.empty()) {
        return std::nullopt;
    }
    return out;
}

} // namespace restyscope::engine::runtime
