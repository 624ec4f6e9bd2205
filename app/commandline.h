#pragma once
// The command line, as DESIGN.md "Command line" gives it; nginx's -p/-c/-t spellings.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace restyscope::app {

struct CommandLine
{
    enum class Mode { Gui, Headless, TestConfig, Version, Help, ExportChrome };
    Mode mode = Mode::Gui;
    std::string prefix;                       // -p
    std::string confPath = "conf/nginx.conf"; // -c
    std::string directory;                    // positional DIR (GUI)
    std::string traceFile;                    // --trace
    bool drainEvents = false;                 // --drain-events (benchmarks: a reading consumer)
    bool debugStdio = false;                  // --debug-stdio
    std::uint64_t luaInstructionBudget = 0;   // --lua-instruction-budget N (0: none)
    std::uint64_t luaMemoryLimitMb = 0;       // --lua-memory-limit MB (0: none)
    std::string statsFile;                    // --stats-file FILE
    std::string exportInput;                  // --export-chrome IN OUT
    std::string exportOutput;
};

// Returns nullopt and sets error for unknown options or missing values.
std::optional<CommandLine> parseCommandLine(const std::vector<std::string>& args,
                                            std::string& error);
std::string usageText();

} // namespace restyscope::app
