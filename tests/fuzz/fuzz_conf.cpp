// libFuzzer harness: the nginx.conf reader (lexer, parser, builder) on arbitrary bytes.
// Inputs that could name `include` are skipped: an include of /dev/zero or of `/**`
// would measure the file system, not the reader.

#include "engine/conf/builder.h"
#include "engine/conf/parser.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace restyscope::engine;

namespace {

bool mayInclude(std::string_view text)
{
    std::string squeezed;
    squeezed.reserve(text.size());
    for (char c : text) {
        if (c != '\\' && c != '"' && c != '\'') {
            squeezed.push_back(c);
        }
    }
    return squeezed.find("include") != std::string::npos;
}

std::string g_prefix;

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    char pattern[] = "/tmp/restyscope-fuzzconf-XXXXXX";
    if (!::mkdtemp(pattern)) {
        std::perror("mkdtemp");
        std::abort();
    }
    g_prefix = std::string(pattern) + "/";
    std::atexit([] { std::remove(g_prefix.c_str()); });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (mayInclude(text)) {
        return 0;
    }
    const std::string confFile = g_prefix + "conf/nginx.conf";
    const conf::ParseResult parsed = conf::parseConfText(text, confFile, g_prefix + "conf/");
    const conf::LoadResult loaded = conf::buildConfig(
        parsed, g_prefix, confFile, [](std::string_view name) { return name.size() < 8; });
    // A refused conf always says why.
    if (!loaded.config && loaded.error.empty()) {
        std::fprintf(stderr, "conf refused without an error\n");
        std::abort();
    }
    return 0;
}
