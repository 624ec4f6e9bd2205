// libFuzzer harness: the trace-file reader (engine/debug/tracefile readTrace) and the
// Chrome trace rendering of whatever it accepted.

#include "engine/debug/tracefile.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>
#include <vector>

using namespace restyscope::engine;

namespace {
std::string g_path;
} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    char pattern[] = "/tmp/restyscope-fuzztrace-XXXXXX";
    const int fd = ::mkstemp(pattern);
    if (fd < 0) {
        std::perror("mkstemp");
        std::abort();
    }
    ::close(fd);
    g_path = pattern;
    std::atexit([] { std::remove(g_path.c_str()); });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::FILE* file = std::fopen(g_path.c_str(), "wb");
    if (!file) {
        std::abort();
    }
    std::fwrite(data, 1, size, file);
    std::fclose(file);
    std::vector<trace::Event> events;
    std::string error;
    const bool ok = debug::readTrace(g_path, events, error);
    if (!ok && error.empty()) {
        std::fprintf(stderr, "trace refused without an error\n");
        std::abort();
    }
    const std::string chrome = debug::toChromeTrace(events);
    if (chrome.empty() || chrome.front() != '{' ||
        chrome.find("\"traceEvents\":[") == std::string::npos) {
        std::fprintf(stderr, "chrome trace is not an object\n");
        std::abort();
    }
    return 0;
}
