#pragma once
// The byte codecs behind ngx.escape_uri, ngx.unescape_uri, ngx.encode_base64 and friends,
// with lua-nginx-module's exact character sets and edge cases. No Lua here, so the unit
// tests drive them directly.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace restyscope::engine::api {

// The escape types of ngx.escape_uri(s, type) (0..6), plus the two lua-nginx-module uses
// for response and request header names and values.
enum class EscapeType {
    Uri = 0,          // controls, space, '#', '%', '?', 0x7f and above
    Args = 1,         // Uri plus '+'
    UriComponent = 2, // all but ALPHA DIGIT - . _ ~ ! * ' ( )  (the default)
    Html = 3,         // controls, space, '"', '#', '%', '\'', 0x7f and above
    Refresh = 4,      // controls, space, '"', '\'', 0x7f and above
    Memcached = 5,    // controls, space, '%'
    MailAuth = 6,     // as Memcached
    HeaderName = 7,   // controls, separators, 0x7f and above
    HeaderValue = 8,  // controls but tab, 0x7f
};

bool needsEscape(unsigned char byte, EscapeType type);
// How many bytes of text escape would rewrite as %XX.
std::size_t escapedCount(std::string_view text, EscapeType type);
// %XX (upper-case hex) for each byte needsEscape() picks.
void appendEscaped(std::string_view text, EscapeType type, std::string& out);
std::string escapeUri(std::string_view text, EscapeType type);

// ngx.req.set_uri_args("..."): only controls, space and 0x7f are escaped.
std::string escapeSetUriArgs(std::string_view text);

// ngx.unescape_uri and the query-argument decoders: %XX decoded when both digits are hex
// (a '%' otherwise stays), '+' becomes a space.
std::string unescapeUriComponent(std::string_view text);

// ngx.encode_base64 (standard alphabet; noPadding drops the '=').
std::string encodeBase64(std::string_view data, bool noPadding);
// ngx.decode_base64, as ngx_decode_base64: decoding stops at the first '='; any byte outside
// the alphabet before it, or a length of 4n+1, is an error (nullopt).
std::optional<std::string> decodeBase64(std::string_view text);

// ngx.quote_sql_str: single-quoted, with MySQL's backslash escapes for \0 \b \n \r \t
// \Z(26) \\ \' \". Bytes with the high bit set pass through.
std::string quoteSqlString(std::string_view text);

// CRC-32 (IEEE 802.3), what both ngx.crc32_short and ngx.crc32_long compute.
std::uint32_t crc32(std::string_view data);

// Lower-case hex of each byte (ngx.md5's output form).
std::string hexDump(std::string_view data);

} // namespace restyscope::engine::api
