#pragma once
// Runs a restyscope Engine on its own thread over a temporary prefix, for tests that send
// real requests and read the probe events back.

#include "engine/engine.h"
#include "engine/trace/event.h"
#include "engine/trace/tracer.h"

#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace restyscope::test {

class EngineFixture : public engine::trace::EventSink
{
public:
    EngineFixture();
    ~EngineFixture() override;

    // httpBlock goes inside http { }; "%PORT%" in it becomes the listen port. files maps
    // prefix-relative paths to contents. False with a message when the engine fails.
    bool start(const std::string& httpBlock, const std::map<std::string, std::string>& files,
               std::string& error);
    void stop();

    // Applied to the engine's options before start() (limits, ...).
    std::function<void(engine::EngineOptions&)> adjustOptions;

    std::uint16_t port() const { return m_port; }
    const std::string& prefix() const { return m_prefix; }
    void writeFile(const std::string& relativePath, const std::string& contents) const;
    std::string errorLog() const;

    // Runs f on the engine thread and waits for it.
    void call(const std::function<void(engine::Engine&)>& f);

    std::vector<engine::trace::Event> events() const;
    void clearEvents();
    void onEvent(const engine::trace::Event& event) override;

private:
    std::string m_prefix;
    std::uint16_t m_port = 0;
    std::unique_ptr<engine::Engine> m_engine;
    std::thread m_thread;
    mutable std::mutex m_mutex;
    std::vector<engine::trace::Event> m_events;
};

// Events as lines with coroutines renumbered by first appearance ("resume 2", "yield 2
// sleep", "create 3 in 2 user thread"): the form scheduler tests compare.
std::vector<std::string> normalizedTrace(const std::vector<engine::trace::Event>& events);

} // namespace restyscope::test
