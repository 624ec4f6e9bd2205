#include "engine/http/chunked.h"

#include <algorithm>
#include <limits>

namespace restyscope::engine::http {

namespace {

int hexDigit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    const char lower = static_cast<char>(c | 0x20);
    if (lower >= 'a' && lower <= 'f') {
        return lower - 'a' + 10;
    }
    return -1;
}

} // namespace

ChunkedParser::Result
ChunkedParser::parse(std::string_view in, std::size_t& used,
                     const std::function<void(const char*, std::size_t)>& onData)
{
    constexpr std::int64_t maxSize = std::numeric_limits<std::int64_t>::max() / 16;
    std::size_t pos = 0;
    auto finish = [&](Result result) {
        used = pos;
        return result;
    };
    while (pos < in.size()) {
        if (m_state == State::ChunkData) {
            const auto take = static_cast<std::size_t>(
                std::min<std::int64_t>(m_size, static_cast<std::int64_t>(in.size() - pos)));
            onData(in.data() + pos, take);
            pos += take;
            m_size -= static_cast<std::int64_t>(take);
            if (m_size == 0) {
                m_state = State::AfterData;
            }
            continue;
        }
        const char c = in[pos++];
        switch (m_state) {
        case State::ChunkStart: {
            const int digit = hexDigit(c);
            if (digit < 0) {
                return finish(Result::Invalid);
            }
            m_size = digit;
            m_state = State::ChunkSize;
            break;
        }
        case State::ChunkSize: {
            if (m_size > maxSize) {
                return finish(Result::Invalid);
            }
            if (const int digit = hexDigit(c); digit >= 0) {
                m_size = m_size * 16 + digit;
                break;
            }
            const bool last = m_size == 0;
            if (c == '\r') {
                m_state =
                    last ? State::LastChunkExtensionAlmostDone : State::ChunkExtensionAlmostDone;
            } else if (c == '\n') {
                m_state = last ? State::Trailer : State::ChunkData;
            } else if (c == ';' || c == ' ' || c == '\t') {
                m_state = last ? State::LastChunkExtension : State::ChunkExtension;
            } else {
                return finish(Result::Invalid);
            }
            break;
        }
        case State::ChunkExtension:
        case State::LastChunkExtension: {
            const bool last = m_state == State::LastChunkExtension;
            if (c == '\r') {
                m_state =
                    last ? State::LastChunkExtensionAlmostDone : State::ChunkExtensionAlmostDone;
            } else if (c == '\n') {
                m_state = last ? State::Trailer : State::ChunkData;
            }
            break;
        }
        case State::ChunkExtensionAlmostDone:
            if (c != '\n') {
                return finish(Result::Invalid);
            }
            m_state = State::ChunkData;
            break;
        case State::LastChunkExtensionAlmostDone:
            if (c != '\n') {
                return finish(Result::Invalid);
            }
            m_state = State::Trailer;
            break;
        case State::AfterData:
            if (c == '\r') {
                m_state = State::AfterDataAlmostDone;
            } else if (c == '\n') {
                m_state = State::ChunkStart;
            } else {
                return finish(Result::Invalid);
            }
            break;
        case State::AfterDataAlmostDone:
            if (c != '\n') {
                return finish(Result::Invalid);
            }
            m_state = State::ChunkStart;
            break;
        case State::Trailer:
            if (c == '\r') {
                m_state = State::TrailerAlmostDone;
            } else if (c == '\n') {
                return finish(Result::Done);
            } else {
                m_state = State::TrailerHeader;
            }
            break;
        case State::TrailerAlmostDone:
            if (c != '\n') {
                return finish(Result::Invalid);
            }
            return finish(Result::Done);
        case State::TrailerHeader:
            if (c == '\r') {
                m_state = State::TrailerHeaderAlmostDone;
            } else if (c == '\n') {
                m_state = State::Trailer;
            }
            break;
        case State::TrailerHeaderAlmostDone:
            if (c != '\n') {
                return finish(Result::Invalid);
            }
            m_state = State::Trailer;
            break;
        case State::ChunkData: break; // handled above
        }
    }
    return finish(Result::Again);
}

} // namespace restyscope::engine::http
