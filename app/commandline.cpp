#include "app/commandline.h"

namespace restyscope::app {

namespace {

// A non-negative decimal count that fits 64 bits (with room to scale megabytes to bytes).
std::optional<std::uint64_t> parseCount(const std::string& text)
{
    if (text.empty() || text.size() > 15) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return value;
}

} // namespace

std::optional<CommandLine> parseCommandLine(const std::vector<std::string>& args,
                                            std::string& error)
{
    CommandLine line;
    bool testConfig = false;
    bool headless = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= args.size()) {
                error = "option \"" + arg + "\" requires an argument";
                return false;
            }
            out = args[++i];
            return true;
        };
        if (arg == "-h" || arg == "--help" || arg == "-?") {
            line.mode = CommandLine::Mode::Help;
            return line;
        }
        if (arg == "-v" || arg == "-V" || arg == "--version") {
            line.mode = CommandLine::Mode::Version;
            return line;
        }
        if (arg == "-t") {
            testConfig = true;
        } else if (arg == "--headless") {
            headless = true;
        } else if (arg == "--drain-events") {
            line.drainEvents = true;
        } else if (arg == "--debug-stdio") {
            line.debugStdio = true;
        } else if (arg == "-p") {
            if (!value(line.prefix)) {
                return std::nullopt;
            }
        } else if (arg == "-c") {
            if (!value(line.confPath)) {
                return std::nullopt;
            }
        } else if (arg == "--export-chrome") {
            if (!value(line.exportInput) || !value(line.exportOutput)) {
                return std::nullopt;
            }
            line.mode = CommandLine::Mode::ExportChrome;
            return line;
        } else if (arg == "--lua-instruction-budget" || arg == "--lua-memory-limit") {
            std::string text;
            if (!value(text)) {
                return std::nullopt;
            }
            const auto number = parseCount(text);
            if (!number) {
                error = "invalid value \"" + text + "\" for \"" + arg +
                        "\": a whole number is expected";
                return std::nullopt;
            }
            (arg == "--lua-memory-limit" ? line.luaMemoryLimitMb : line.luaInstructionBudget) =
                *number;
        } else if (arg == "--stats-file") {
            if (!value(line.statsFile)) {
                return std::nullopt;
            }
        } else if (arg == "--trace") {
            if (!value(line.traceFile)) {
                return std::nullopt;
            }
        } else if (!arg.empty() && arg.front() == '-') {
            error = "invalid option: \"" + arg + "\"";
            return std::nullopt;
        } else if (line.directory.empty()) {
            line.directory = arg;
        } else {
            error = "unexpected argument \"" + arg + "\"";
            return std::nullopt;
        }
    }
    if (testConfig) {
        line.mode = CommandLine::Mode::TestConfig;
    } else if (headless) {
        line.mode = CommandLine::Mode::Headless;
    }
    if (!line.directory.empty() && line.prefix.empty()) {
        line.prefix = line.directory;
    }
    return line;
}

std::string usageText()
{
    return "Usage: restyscope [DIR]\n"
           "       restyscope --headless [-p PREFIX] [-c CONF] [--trace FILE] [--debug-stdio]\n"
           "                  [--lua-instruction-budget N] [--lua-memory-limit MB] [--stats-file "
           "FILE]\n"
           "       restyscope -t [-p PREFIX] [-c CONF]\n"
           "       restyscope --export-chrome TRACE.jsonl OUT.json\n"
           "\n"
           "Options:\n"
           "  -?,-h,--help   this help\n"
           "  -v,--version   show the version and exit\n"
           "  -t             test the configuration and exit\n"
           "  --headless     run the engine without the GUI (logs to the error_log and stderr)\n"
           "  -p PREFIX      set the prefix path (default: the current directory)\n"
           "  -c CONF        set the configuration file (default: conf/nginx.conf)\n"
           "  --trace FILE   write the event stream as JSON Lines to FILE\n"
           "  --debug-stdio  scripted stepping: commands on stdin, JSON on stdout\n"
           "  --lua-instruction-budget N  end a request that runs more than N Lua VM\n"
           "                 instructions with 500 (not in nginx; the VMs then run without the "
           "JIT)\n"
           "  --lua-memory-limit MB  refuse Lua allocations past MB megabytes per VM (not in "
           "nginx)\n"
           "  --stats-file FILE  rewrite FILE every second with the engine's live counts (JSON)\n"
           "  --export-chrome IN OUT  convert a --trace file to the Chrome trace format\n"
           "  --drain-events consume the event stream in a thread and discard it (to measure\n"
           "                 the probes' cost with a reader attached, as the GUI has)\n"
           "\n"
           "DIR is an OpenResty prefix (with conf/nginx.conf) or a directory of Lua files.\n";
}

} // namespace restyscope::app
