#include "app/debugstdio.h"

#include "engine/debug/debugger.h"
#include "engine/debug/json.h"
#include "engine/engine.h"
#include "engine/trace/eventring.h"
#include "engine/trace/probes.h"

#include <atomic>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

namespace restyscope::app {

namespace {

using engine::debug::jsonString;

std::mutex outputMutex;

void printLine(const std::string& line)
{
    std::lock_guard lock(outputMutex);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

std::string answer(const std::string& command, bool ok, const std::string& fields = {})
{
    return "{\"answer\":" + jsonString(command) + ",\"ok\":" + (ok ? "true" : "false") +
           (fields.empty() ? std::string() : "," + fields) + "}";
}

bool parseReason(const std::string& name, engine::trace::YieldReason& reason)
{
    for (std::size_t i = 0; i < engine::trace::kYieldReasonCount; ++i) {
        const auto candidate = static_cast<engine::trace::YieldReason>(i);
        std::string text(engine::trace::yieldReasonName(candidate));
        for (char& c : text) {
            c = c == ' ' ? '-' : c;
        }
        if (text == name) {
            reason = candidate;
            return true;
        }
    }
    return false;
}

// Engine thread: one command line, one answer.
std::string execute(engine::Engine& engine, const std::string& line)
{
    std::istringstream words(line);
    std::string command;
    words >> command;
    engine::debug::Debugger& debugger = engine.debugger();
    if (command == "pause") {
        debugger.pause();
        return answer(command, true);
    }
    if (command == "continue") {
        debugger.cont();
        return answer(command, true);
    }
    if (command == "step") {
        std::size_t index = 0;
        words >> index;
        return answer(command, debugger.step(index));
    }
    if (command == "snapshot" || command == "tree" || command == "posted" || command == "ready" ||
        command == "cache") {
        return answer(command, true, "\"snapshot\":" + engine::debug::toJson(debugger.snapshot()));
    }
    if (command == "break") {
        std::string what;
        std::string value;
        words >> what >> value;
        engine::debug::BreakConditions conditions = debugger.breakConditions();
        const bool on = value != "off";
        if (what == "request") {
            conditions.newRequest = on;
        } else if (what == "error") {
            conditions.error = on;
        } else if (what == "spawn") {
            conditions.spawnKill = on;
        } else if (what == "yield") {
            engine::trace::YieldReason reason{};
            if (!parseReason(value, reason)) {
                return answer(command, false, "\"error\":\"unknown yield reason\"");
            }
            conditions.yieldReasons |= std::uint64_t{1} << static_cast<unsigned>(reason);
        } else {
            return answer(command, false, "\"error\":\"break request|error|spawn|yield REASON\"");
        }
        debugger.setBreakConditions(conditions);
        return answer(command, true);
    }
    if (command == "reload") {
        std::string error;
        const bool ok = engine.reloadCode(error);
        return answer(command, ok, ok ? std::string() : "\"error\":" + jsonString(error));
    }
    if (command == "code-cache") {
        std::string value;
        words >> value;
        if (value == "on" || value == "off") {
            engine.setCodeCacheOverride(value == "on");
        } else if (value == "conf") {
            engine.setCodeCacheOverride(std::nullopt);
        } else {
            return answer(command, false, "\"error\":\"code-cache on|off|conf\"");
        }
        return answer(command, true);
    }
    if (command == "quit") {
        engine.stop();
        return answer(command, true);
    }
    return answer(command, false, "\"error\":" + jsonString("unknown command: " + command));
}

} // namespace

int runDebugStdio(engine::Engine& engine)
{
    engine::trace::EventRing ring(1 << 16);
    std::atomic<bool> running{true};
    engine.post([&] {
        engine.debugger(); // the gate exists before any request arrives
        engine.tracer().attach(&ring);
    });
    std::thread events([&] {
        std::vector<engine::trace::Event> batch;
        while (running.load()) {
            batch.clear();
            ring.drain(batch);
            for (const auto& event : batch) {
                printLine("{\"event\":" + engine::debug::toJson(event) + "}");
            }
            if (batch.empty()) {
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
        }
    });
    std::thread commands([&] {
        std::string line;
        while (std::getline(std::cin, line)) {
            if (line.empty()) {
                continue;
            }
            engine.post([&engine, line] { printLine(execute(engine, line)); });
        }
        engine.stop(); // end of input ends the session
    });
    commands.detach(); // blocked in getline until stdin closes; the process exits anyway
    const int code = engine.run();
    running = false;
    events.join();
    engine.tracer().detach(&ring);
    return code;
}

} // namespace restyscope::app
