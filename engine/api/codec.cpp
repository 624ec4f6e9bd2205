#include "engine/api/codec.h"

#include <array>
#include <string_view>

namespace restyscope::engine::api {

namespace {

constexpr char kUpperHex[] = "0123456789ABCDEF";

bool isAlnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool isControl(unsigned char c)
{
    return c < 0x20;
}

bool oneOf(unsigned char c, std::string_view set)
{
    return set.find(static_cast<char>(c)) != std::string_view::npos;
}

int hexValue(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64Value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

std::array<std::uint32_t, 256> makeCrcTable()
{
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int bit = 0; bit < 8; ++bit) {
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        }
        table[i] = c;
    }
    return table;
}

} // namespace

bool needsEscape(unsigned char c, EscapeType type)
{
    switch (type) {
    case EscapeType::Uri: return isControl(c) || c >= 0x7f || oneOf(c, " #%?");
    case EscapeType::Args: return isControl(c) || c >= 0x7f || oneOf(c, " #%?+");
    case EscapeType::UriComponent: return !(isAlnum(c) || oneOf(c, "-._~!*'()"));
    case EscapeType::Html: return isControl(c) || c >= 0x7f || oneOf(c, " \"#%'");
    case EscapeType::Refresh: return isControl(c) || c >= 0x7f || oneOf(c, " \"'");
    case EscapeType::Memcached:
    case EscapeType::MailAuth: return isControl(c) || oneOf(c, " %");
    case EscapeType::HeaderName:
        return isControl(c) || c >= 0x7f || oneOf(c, " \"(),/:;<=>?@[\\]{}");
    case EscapeType::HeaderValue: return (isControl(c) && c != '\t') || c == 0x7f;
    }
    return false;
}

std::size_t escapedCount(std::string_view text, EscapeType type)
{
    std::size_t n = 0;
    for (const char c : text) {
        n += needsEscape(static_cast<unsigned char>(c), type) ? 1 : 0;
    }
    return n;
}

void appendEscaped(std::string_view text, EscapeType type, std::string& out)
{
    out.reserve(out.size() + text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (needsEscape(byte, type)) {
            out.push_back('%');
            out.push_back(kUpperHex[byte >> 4]);
            out.push_back(kUpperHex[byte & 0xf]);
        } else {
            out.push_back(c);
        }
    }
}

std::string escapeUri(std::string_view text, EscapeType type)
{
    std::string out;
    appendEscaped(text, type, out);
    return out;
}

std::string escapeSetUriArgs(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte == 0x7f) {
            out.push_back('%');
            out.push_back(kUpperHex[byte >> 4]);
            out.push_back(kUpperHex[byte & 0xf]);
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string unescapeUriComponent(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '%' && i + 2 < text.size()) {
            const int hi = hexValue(static_cast<unsigned char>(text[i + 1]));
            const int lo = hexValue(static_cast<unsigned char>(text[i + 2]));
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(c == '+' ? ' ' : static_cast<char>(c));
    }
    return out;
}

std::string encodeBase64(std::string_view data, bool noPadding)
{
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        const auto a = static_cast<unsigned char>(data[i]);
        const auto b = static_cast<unsigned char>(data[i + 1]);
        const auto c = static_cast<unsigned char>(data[i + 2]);
        out.push_back(kBase64Alphabet[a >> 2]);
        out.push_back(kBase64Alphabet[((a & 3) << 4) | (b >> 4)]);
        out.push_back(kBase64Alphabet[((b & 0xf) << 2) | (c >> 6)]);
        out.push_back(kBase64Alphabet[c & 0x3f]);
    }
    const std::size_t rest = data.size() - i;
    if (rest == 0) {
        return out;
    }
    const auto a = static_cast<unsigned char>(data[i]);
    out.push_back(kBase64Alphabet[a >> 2]);
    if (rest == 1) {
        out.push_back(kBase64Alphabet[(a & 3) << 4]);
        if (!noPadding) {
            out.append("==");
        }
        return out;
    }
    const auto b = static_cast<unsigned char>(data[i + 1]);
    out.push_back(kBase64Alphabet[((a & 3) << 4) | (b >> 4)]);
    out.push_back(kBase64Alphabet[(b & 0xf) << 2]);
    if (!noPadding) {
        out.push_back('=');
    }
    return out;
}

std::optional<std::string> decodeBase64(std::string_view text)
{
    std::size_t len = 0;
    for (; len < text.size(); ++len) {
        const auto c = static_cast<unsigned char>(text[len]);
        if (c == '=') {
            break;
        }
        if (base64Value(c) < 0) {
            return std::nullopt;
        }
    }
    if (len % 4 == 1) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(len / 4 * 3 + 2);
    std::uint32_t bits = 0;
    int count = 0;
    for (std::size_t i = 0; i < len; ++i) {
        bits = (bits << 6) |
               static_cast<std::uint32_t>(base64Value(static_cast<unsigned char>(text[i])));
        if (++count == 4) {
            out.push_back(static_cast<char>((bits >> 16) & 0xff));
            out.push_back(static_cast<char>((bits >> 8) & 0xff));
            out.push_back(static_cast<char>(bits & 0xff));
            bits = 0;
            count = 0;
        }
    }
    // A tail of 2 or 3 symbols carries 1 or 2 bytes; its spare low bits are ignored.
    if (count == 2) {
        out.push_back(static_cast<char>((bits >> 4) & 0xff));
    } else if (count == 3) {
        out.push_back(static_cast<char>((bits >> 10) & 0xff));
        out.push_back(static_cast<char>((bits >> 2) & 0xff));
    }
    return out;
}

std::string quoteSqlString(std::string_view text)
{
    std::string out;
    out.reserve(text.size() + 2);
    out.push_back('\'');
    for (const char c : text) {
        switch (c) {
        case '\0': out.append("\\0"); break;
        case '\b': out.append("\\b"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        case '\x1a': out.append("\\Z"); break;
        case '\\': out.append("\\\\"); break;
        case '\'': out.append("\\'"); break;
        case '"': out.append("\\\""); break;
        default: out.push_back(c); break;
        }
    }
    out.push_back('\'');
    return out;
}

std::uint32_t crc32(std::string_view data)
{
    static const std::array<std::uint32_t, 256> table = makeCrcTable();
    std::uint32_t crc = 0xffffffffu;
    for (const char c : data) {
        crc = table[(crc ^ static_cast<unsigned char>(c)) & 0xff] ^ (crc >> 8);
    }
    return crc ^ 0xffffffffu;
}

std::string hexDump(std::string_view data)
{
    static constexpr char lower[] = "0123456789abcdef";
    std::string out;
    out.reserve(data.size() * 2);
    for (const char c : data) {
        const auto byte = static_cast<unsigned char>(c);
        out.push_back(lower[byte >> 4]);
        out.push_back(lower[byte & 0xf]);
    }
    return out;
}

} // namespace restyscope::engine::api
