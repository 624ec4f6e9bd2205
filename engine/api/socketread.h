#pragma once
// Design: what a cosocket read takes out of its receive buffer, apart from any I/O. Each
// receive form of lua-nginx-module ("*l", "*a", a size, receiveany, a receiveuntil
// iterator) is a ReadSpec; consume() answers from the bytes received so far or asks for
// more, and partialOf() is what a read that ends early (timeout, closed) hands back.

#include <cstddef>
#include <string>

namespace restyscope::engine::api::cosocket {

enum class ReadMode { Line, All, Size, Any, Until };

struct ReadSpec
{
    ReadMode mode = ReadMode::Line;
    std::size_t size = 0;   // Size: exact; Any: at most; Until: chunk size (0: no limit)
    std::string pattern;    // Until
    bool inclusive = false; // Until: the pattern is part of the returned data
};

struct ReadOutcome
{
    bool complete = false;     // data is the answer; else more bytes are needed
    bool patternFound = false; // Until: the pattern ended this chunk
    std::string data;
};

// Takes the answer to spec out of buffer when it is there. eof: no more bytes will come
// (then only "*a" completes without its full answer).
ReadOutcome consume(std::string& buffer, const ReadSpec& spec, bool eof);

// The partial data of a read that ends early, taken out of buffer. A timeout keeps the
// bytes that may still start the pattern of a receiveuntil (closed=false); a closed peer
// hands back everything.
std::string partialOf(std::string& buffer, const ReadSpec& spec, bool closed);

// Bytes at the end of data that may begin pattern (the longest proper prefix of pattern
// that data ends with).
std::size_t pendingPrefix(const std::string& data, const std::string& pattern);

} // namespace restyscope::engine::api::cosocket
