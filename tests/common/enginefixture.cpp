#include "tests/common/enginefixture.h"

#include "tests/common/httpclient.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace restyscope::test {

namespace fs = std::filesystem;

EngineFixture::EngineFixture()
{
    char pattern[] = "/tmp/restyscope-test-XXXXXX";
    m_prefix = std::string(::mkdtemp(pattern)) + "/";
}

EngineFixture::~EngineFixture()
{
    stop();
    std::error_code ec;
    fs::remove_all(m_prefix, ec);
}

void EngineFixture::writeFile(const std::string& relativePath, const std::string& contents) const
{
    const fs::path path = fs::path(m_prefix) / relativePath;
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << contents;
}

bool EngineFixture::start(const std::string& httpBlock,
                          const std::map<std::string, std::string>& files, std::string& error)
{
    m_port = freePort();
    std::string block = httpBlock;
    for (auto pos = block.find("%PORT%"); pos != std::string::npos; pos = block.find("%PORT%")) {
        block.replace(pos, 6, std::to_string(m_port));
    }
    writeFile("conf/nginx.conf",
              "error_log logs/error.log info;\nevents {}\nhttp {\n" + block + "\n}\n");
    fs::create_directories(fs::path(m_prefix) / "logs");
    for (const auto& [path, contents] : files) {
        writeFile(path, contents);
    }
    engine::EngineOptions options;
    options.prefix = m_prefix;
    options.logToStderr = false;
    options.handleSignals = false;
    if (adjustOptions) {
        adjustOptions(options);
    }
    m_engine = std::make_unique<engine::Engine>(options);
    if (!m_engine->loadConfig(error) || !m_engine->start(error)) {
        m_engine.reset();
        return false;
    }
    m_engine->tracer().attach(this);
    m_thread = std::thread([this] { m_engine->run(); });
    return true;
}

void EngineFixture::stop()
{
    if (!m_engine) {
        return;
    }
    m_engine->stop();
    if (m_thread.joinable()) {
        m_thread.join();
    }
    m_engine->tracer().detach(this);
    m_engine.reset();
}

std::string EngineFixture::errorLog() const
{
    std::ifstream in(fs::path(m_prefix) / "logs/error.log");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void EngineFixture::call(const std::function<void(engine::Engine&)>& f)
{
    std::promise<void> done;
    m_engine->post([&] {
        f(*m_engine);
        done.set_value();
    });
    done.get_future().wait();
}

std::vector<engine::trace::Event> EngineFixture::events() const
{
    std::lock_guard lock(m_mutex);
    return m_events;
}

void EngineFixture::clearEvents()
{
    std::lock_guard lock(m_mutex);
    m_events.clear();
}

void EngineFixture::onEvent(const engine::trace::Event& event)
{
    std::lock_guard lock(m_mutex);
    m_events.push_back(event);
}

std::vector<std::string> normalizedTrace(const std::vector<engine::trace::Event>& events)
{
    using engine::trace::EventKind;
    std::unordered_map<std::uint32_t, int> numbers;
    auto number = [&](std::uint32_t id) {
        auto [it, inserted] = numbers.emplace(id, static_cast<int>(numbers.size()) + 1);
        return it->second;
    };
    std::vector<std::string> lines;
    for (const auto& e : events) {
        std::string line;
        switch (e.kind) {
        case EventKind::CoroutineCreate:
            line = "create " + std::to_string(number(e.coroutineId));
            if (e.parentCoroutineId != 0) {
                line += " in " + std::to_string(number(e.parentCoroutineId));
            }
            line += " " + std::string(engine::trace::coroutineTypeName(
                              static_cast<engine::trace::CoroutineType>(e.value)));
            break;
        case EventKind::CoroutineResume:
            line = "resume " + std::to_string(number(e.coroutineId));
            break;
        case EventKind::CoroutineYield:
            line = "yield " + std::to_string(number(e.coroutineId)) + " " +
                   std::string(engine::trace::yieldReasonName(e.reason));
            break;
        case EventKind::CoroutineFinish:
            line = "finish " + std::to_string(number(e.coroutineId)) + (e.value ? " ok" : " error");
            break;
        case EventKind::CoroutineKill:
            line = "kill " + std::to_string(number(e.coroutineId));
            break;
        case EventKind::ThreadPost: line = "post " + std::to_string(number(e.coroutineId)); break;
        case EventKind::RunPosted:
            line = "run posted " + std::to_string(number(e.coroutineId));
            break;
        case EventKind::Exit: line = "exit " + std::to_string(e.value); break;
        case EventKind::Exec: line = "exec " + std::string(e.textView()); break;
        default: continue;
        }
        lines.push_back(std::move(line));
    }
    return lines;
}

} // namespace restyscope::test
