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
    auto variablesJson = [](const std::vector<engine::debug::VariableInfo>& vars) {
        std::string out = "[";
        for (std::size_t i = 0; i < vars.size(); ++i) {
            out += (i ? "," : "") + std::string("{\"name\":") + jsonString(vars[i].name) +
                   ",\"type\":" + jsonString(vars[i].type) +
                   ",\"value\":" + jsonString(vars[i].value) + "}";
        }
        return out + "]";
    };
    if (debugger.lineStop()) {
        // Stopped at a line: inspection and line stepping.
        if (command == "continue") {
            debugger.resumeFromLine(std::nullopt);
            return answer(command, true);
        }
        if (command == "step-over" || command == "step-into" || command == "step-out") {
            debugger.resumeFromLine(command == "step-over"   ? engine::debug::LineStep::Over
                                    : command == "step-into" ? engine::debug::LineStep::Into
                                                             : engine::debug::LineStep::Out);
            return answer(command, true);
        }
        if (command == "stack") {
            std::string frames = "[";
            const auto stack = debugger.stack();
            for (std::size_t i = 0; i < stack.size(); ++i) {
                frames += (i ? "," : "") + std::string("{\"level\":") +
                          std::to_string(stack[i].level) +
                          ",\"source\":" + jsonString(stack[i].source) +
                          ",\"line\":" + std::to_string(stack[i].line) +
                          ",\"name\":" + jsonString(stack[i].name) + "}";
            }
            return answer(command, true, "\"frames\":" + frames + "]");
        }
        if (command == "locals" || command == "upvalues") {
            int frame = 0;
            words >> frame;
            std::vector<engine::debug::VariableInfo> vars;
            const bool ok =
                command == "locals" ? debugger.locals(frame, vars) : debugger.upvalues(frame, vars);
            return answer(command, ok, "\"variables\":" + variablesJson(vars));
        }
        if (command == "request") {
            std::vector<engine::debug::VariableInfo> vars;
            const bool ok = debugger.requestView(vars);
            return answer(command, ok, "\"variables\":" + variablesJson(vars));
        }
        if (command == "eval") {
            std::string expression;
            std::getline(words, expression);
            std::vector<engine::debug::VariableInfo> results;
            std::string error;
            const bool ok = debugger.eval(0, expression, results, error);
            return answer(command, ok,
                          ok ? "\"results\":" + variablesJson(results)
                             : "\"error\":" + jsonString(error));
        }
    }
    if (command == "break" || command == "clear") {
        std::string what;
        std::string where;
        std::istringstream peek(line);
        peek >> command >> what >> where;
        if (what == "line") {
            const auto colon = where.rfind(':');
            if (colon == std::string::npos) {
                return answer(command, false, "\"error\":\"break line FILE:LINE\"");
            }
            const engine::debug::LineBreakpoint breakpoint{where.substr(0, colon),
                                                           std::atoi(where.c_str() + colon + 1)};
            if (command == "break") {
                debugger.setLineBreakpoint(breakpoint);
            } else {
                debugger.clearLineBreakpoint(breakpoint);
            }
            return answer(command, true);
        }
    }
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
    std::atomic<engine::debug::Debugger*> debugger{nullptr};
    engine.post([&] {
        engine::debug::Debugger& d = engine.debugger(); // before any request arrives
        d.setLineStopObserver([](const engine::debug::LineStop& stop) {
            printLine(
                "{\"stopped\":{\"request\":" + std::to_string(stop.requestId) + ",\"co\":" +
                std::to_string(stop.coroutineId) + ",\"source\":" + jsonString(stop.source) +
                ",\"line\":" + std::to_string(stop.line) +
                ",\"reason\":" + jsonString(stop.reason) +
                (stop.error.empty() ? std::string() : ",\"error\":" + jsonString(stop.error)) +
                "}}");
        });
        engine.tracer().attach(&ring);
        debugger = &d;
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
            while (!debugger.load()) {
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
            // submit: a line stop blocks the event loop, so commands go through the
            // debugger's own queue then.
            debugger.load()->submit([&engine, line] { printLine(execute(engine, line)); });
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
