// restyscope: GUI (later), headless engine, or config check, like nginx's own binary.

#include "app/commandline.h"
#include "app/debugstdio.h"
#include "engine/engine.h"

#include <cstdio>
#include <iostream>

namespace {

using restyscope::app::CommandLine;
using restyscope::engine::Engine;
using restyscope::engine::EngineOptions;

int testConfig(const CommandLine& line)
{
    EngineOptions options;
    options.prefix = line.prefix;
    options.confPath = line.confPath;
    Engine engine(options);
    std::string error;
    const bool ok = engine.loadConfig(error);
    for (const auto& notice : engine.configNotices()) {
        std::cerr << "restyscope: " << notice << '\n';
    }
    if (!ok) {
        std::cerr << "restyscope: " << error << '\n';
        // The conf path as nginx names it in its closing line.
        std::string conf = line.confPath;
        if (conf.empty() || conf.front() != '/') {
            conf = engine.prefix() + conf;
        }
        std::cerr << "restyscope: configuration file " << conf << " test failed\n";
        return 1;
    }
    std::cerr << "restyscope: the configuration file " << engine.confFile() << " syntax is ok\n";
    std::cerr << "restyscope: configuration file " << engine.confFile() << " test is successful\n";
    return 0;
}

int runHeadless(const CommandLine& line)
{
    EngineOptions options;
    options.prefix = line.prefix;
    options.confPath = line.confPath;
    Engine engine(options);
    std::string error;
    if (!engine.loadConfig(error) || !engine.start(error)) {
        std::cerr << "restyscope: " << error << '\n';
        return 1;
    }
    if (line.debugStdio) {
        return restyscope::app::runDebugStdio(engine);
    }
    return engine.run();
}

} // namespace

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string error;
    const auto line = restyscope::app::parseCommandLine(args, error);
    if (!line) {
        std::cerr << "restyscope: " << error << "\n\n" << restyscope::app::usageText();
        return 2;
    }
    switch (line->mode) {
    case CommandLine::Mode::Help: std::cout << restyscope::app::usageText(); return 0;
    case CommandLine::Mode::Version:
        std::cout << "restyscope version: " << Engine::versionText() << '\n';
        return 0;
    case CommandLine::Mode::TestConfig: return testConfig(*line);
    case CommandLine::Mode::Headless: return runHeadless(*line);
    case CommandLine::Mode::Gui:
        std::cerr << "restyscope: the desktop GUI is not built yet; running headless\n";
        return runHeadless(*line);
    }
    return 0;
}
