#pragma once
// Design: the chunked request body decoder with nginx's rules (ngx_http_parse_chunked):
// hex sizes up to off_t's range, extensions after ';', ' ' or '\t' skipped, CR optional
// before every LF, trailer lines read and dropped. http-parser is stricter (CRLF only),
// so the connection decodes chunked bodies here instead.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

namespace restyscope::engine::http {

class ChunkedParser
{
public:
    enum class Result { Again, Done, Invalid };

    // Decodes as much of `in` as it can; `used` is how many bytes it consumed. Body bytes
    // go to onData as they are found. Done: the last chunk and the trailer were read (the
    // rest of `in` belongs to the next request).
    Result parse(std::string_view in, std::size_t& used,
                 const std::function<void(const char*, std::size_t)>& onData);
    void reset() { *this = ChunkedParser(); }

private:
    enum class State {
        ChunkStart,
        ChunkSize,
        ChunkExtension,
        ChunkExtensionAlmostDone,
        ChunkData,
        AfterData,
        AfterDataAlmostDone,
        LastChunkExtension,
        LastChunkExtensionAlmostDone,
        Trailer,
        TrailerAlmostDone,
        TrailerHeader,
        TrailerHeaderAlmostDone,
    };
    State m_state = State::ChunkStart;
    std::int64_t m_size = 0;
};

} // namespace restyscope::engine::http
