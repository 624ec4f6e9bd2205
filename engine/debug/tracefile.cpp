#include "engine/debug/tracefile.h"

#include "engine/debug/json.h"
#include "engine/trace/eventring.h"
#include "engine/trace/tracer.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>

namespace restyscope::engine::debug {

namespace {

// A tiny reader for the flat objects toJson(Event) writes: string and integer values only.
class LineReader
{
public:
    explicit LineReader(const std::string& text) : m_text(text) {}

    bool object(std::map<std::string, std::string>& strings,
                std::map<std::string, std::int64_t>& numbers, std::string& error)
    {
        skipSpace();
        if (!take('{')) {
            error = "expected '{'";
            return false;
        }
        skipSpace();
        if (take('}')) {
            return true;
        }
        for (;;) {
            std::string key;
            if (!string(key)) {
                error = "expected a key";
                return false;
            }
            skipSpace();
            if (!take(':')) {
                error = "expected ':' after \"" + key + "\"";
                return false;
            }
            skipSpace();
            if (peek() == '"') {
                std::string value;
                if (!string(value)) {
                    error = "bad string for \"" + key + "\"";
                    return false;
                }
                strings[key] = std::move(value);
            } else {
                std::int64_t value = 0;
                if (!number(value)) {
                    error = "bad number for \"" + key + "\"";
                    return false;
                }
                numbers[key] = value;
            }
            skipSpace();
            if (take('}')) {
                break;
            }
            if (!take(',')) {
                error = "expected ',' or '}'";
                return false;
            }
            skipSpace();
        }
        skipSpace();
        if (m_pos != m_text.size()) {
            error = "text after the object";
            return false;
        }
        return true;
    }

private:
    char peek() const { return m_pos < m_text.size() ? m_text[m_pos] : '\0'; }
    bool take(char c)
    {
        if (peek() != c) {
            return false;
        }
        ++m_pos;
        return true;
    }
    void skipSpace()
    {
        while (m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\t')) {
            ++m_pos;
        }
    }
    bool number(std::int64_t& value)
    {
        const std::size_t start = m_pos;
        if (peek() == '-') {
            ++m_pos;
        }
        while (m_pos < m_text.size() && m_text[m_pos] >= '0' && m_text[m_pos] <= '9') {
            ++m_pos;
        }
        if (m_pos == start || (m_pos == start + 1 && m_text[start] == '-')) {
            return false;
        }
        errno = 0;
        value = std::strtoll(m_text.c_str() + start, nullptr, 10);
        return errno == 0;
    }
    bool string(std::string& out)
    {
        if (!take('"')) {
            return false;
        }
        while (m_pos < m_text.size()) {
            const char c = m_text[m_pos++];
            if (c == '"') {
                return true;
            }
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (m_pos >= m_text.size()) {
                return false;
            }
            const char e = m_text[m_pos++];
            switch (e) {
            case '"': out.push_back('"'); break;
            case '\\': out.push_back('\\'); break;
            case '/': out.push_back('/'); break;
            case 'n': out.push_back('\n'); break;
            case 'r': out.push_back('\r'); break;
            case 't': out.push_back('\t'); break;
            case 'u': {
                if (m_pos + 4 > m_text.size()) {
                    return false;
                }
                const unsigned long code =
                    std::strtoul(m_text.substr(m_pos, 4).c_str(), nullptr, 16);
                if (code > 0x7f) {
                    return false; // toJson only escapes control bytes this way
                }
                out.push_back(static_cast<char>(code));
                m_pos += 4;
                break;
            }
            default: return false;
            }
        }
        return false;
    }

    const std::string& m_text;
    std::size_t m_pos = 0;
};

template <typename Enum, std::size_t N>
bool enumByName(const std::array<std::string_view, N>& names, const std::string& name, Enum& out)
{
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == name) {
            out = static_cast<Enum>(i);
            return true;
        }
    }
    return false;
}

} // namespace

TraceWriter::TraceWriter() = default;

TraceWriter::~TraceWriter()
{
    stop();
}

bool TraceWriter::start(const std::string& path, trace::Tracer& tracer, std::string& error)
{
    m_file = std::fopen(path.c_str(), "w");
    if (!m_file) {
        error = "open() \"" + path + "\" failed (" + std::to_string(errno) + ": " +
                std::strerror(errno) + ")";
        return false;
    }
    m_ring = std::make_unique<trace::EventRing>(1 << 16);
    m_tracer = &tracer;
    m_running = true;
    m_thread = std::thread([this] { drainLoop(); });
    tracer.attach(m_ring.get());
    return true;
}

void TraceWriter::stop()
{
    if (!m_tracer) {
        return;
    }
    m_tracer->detach(m_ring.get());
    m_tracer = nullptr;
    m_running = false;
    m_thread.join();
    drainOnce();
    std::fclose(m_file);
    m_file = nullptr;
}

std::size_t TraceWriter::drainOnce()
{
    m_batch.clear();
    const std::size_t count = m_ring->drain(m_batch, 4096);
    if (count == 0) {
        return 0;
    }
    m_text.clear();
    for (const auto& event : m_batch) {
        appendJson(m_text, event);
        m_text.push_back('\n');
    }
    std::fwrite(m_text.data(), 1, m_text.size(), m_file);
    std::fflush(m_file);
    m_written += count;
    return count;
}

void TraceWriter::drainLoop()
{
    while (m_running.load()) {
        if (drainOnce() == 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
}

bool parseTraceLine(const std::string& line, trace::Event& event, std::string& error)
{
    std::map<std::string, std::string> strings;
    std::map<std::string, std::int64_t> numbers;
    if (!LineReader(line).object(strings, numbers, error)) {
        return false;
    }
    event = {};
    if (!enumByName(trace::kEventKindNames, strings["kind"], event.kind)) {
        error = "unknown kind \"" + strings["kind"] + "\"";
        return false;
    }
    if (strings.count("reason") &&
        !enumByName(trace::kYieldReasonNames, strings["reason"], event.reason)) {
        error = "unknown reason \"" + strings["reason"] + "\"";
        return false;
    }
    event.seq = static_cast<std::uint64_t>(numbers["seq"]);
    event.timeNs = numbers["t"];
    event.requestId = static_cast<std::uint64_t>(numbers["request"]);
    event.vmId = static_cast<std::uint32_t>(numbers["vm"]);
    event.coroutineId = static_cast<std::uint32_t>(numbers["co"]);
    event.parentCoroutineId = static_cast<std::uint32_t>(numbers["parent"]);
    event.value = numbers["value"];
    event.setText(strings["text"]);
    return true;
}

bool readTrace(const std::string& path, std::vector<trace::Event>& events, std::string& error)
{
    std::ifstream in(path);
    if (!in) {
        error = "cannot open " + path;
        return false;
    }
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty()) {
            continue;
        }
        trace::Event event;
        std::string lineError;
        if (!parseTraceLine(line, event, lineError)) {
            error = "line " + std::to_string(number) + ": " + lineError;
            return false;
        }
        events.push_back(event);
    }
    return true;
}

std::string toChromeTrace(const std::vector<trace::Event>& events)
{
    // Chrome's format counts in microseconds from an arbitrary origin: the first event.
    const std::int64_t origin = events.empty() ? 0 : events.front().timeNs;
    std::string out = "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[";
    bool first = true;
    auto emit = [&](const std::string& object) {
        out += first ? "" : ",\n";
        out += object;
        first = false;
    };
    std::map<std::uint64_t, bool> namedProcesses;
    std::map<std::pair<std::uint64_t, std::uint32_t>, bool> running;
    for (const auto& e : events) {
        // A file may hold any times: the difference saturates instead of overflowing.
        std::int64_t since = 0;
        if (__builtin_sub_overflow(e.timeNs, origin, &since)) {
            since = e.timeNs < origin ? std::numeric_limits<std::int64_t>::min()
                                      : std::numeric_limits<std::int64_t>::max();
        }
        const std::string ts =
            std::to_string(since / 1000) + "." + std::to_string((since % 1000 + 1000) % 1000 / 100);
        const std::string where = ",\"pid\":" + std::to_string(e.requestId) +
                                  ",\"tid\":" + std::to_string(e.coroutineId) + ",\"ts\":" + ts;
        if (!namedProcesses[e.requestId]) {
            namedProcesses[e.requestId] = true;
            emit("{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":" + std::to_string(e.requestId) +
                 ",\"args\":{\"name\":" +
                 jsonString(e.requestId ? "request " + std::to_string(e.requestId)
                                        : std::string("engine")) +
                 "}}");
        }
        const auto key = std::make_pair(e.requestId, e.coroutineId);
        switch (e.kind) {
        case trace::EventKind::CoroutineCreate:
            emit("{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":" + std::to_string(e.requestId) +
                 ",\"tid\":" + std::to_string(e.coroutineId) + ",\"args\":{\"name\":" +
                 jsonString(std::string(trace::coroutineTypeName(
                                static_cast<trace::CoroutineType>(e.value))) +
                            " " + std::to_string(e.coroutineId)) +
                 "}}");
            break;
        case trace::EventKind::CoroutineResume:
            running[key] = true;
            emit("{\"name\":\"run\",\"ph\":\"B\"" + where + "}");
            break;
        case trace::EventKind::CoroutineYield:
        case trace::EventKind::CoroutineFinish:
            if (running[key]) {
                running[key] = false;
                emit("{\"name\":\"run\",\"ph\":\"E\"" + where + "}");
            }
            emit("{\"name\":" +
                 jsonString(e.kind == trace::EventKind::CoroutineYield
                                ? "yield: " + std::string(trace::yieldReasonName(e.reason))
                                : std::string(e.value ? "finish" : "error")) +
                 ",\"ph\":\"i\",\"s\":\"t\"" + where +
                 (e.textLength ? ",\"args\":{\"text\":" + jsonString(e.textView()) + "}"
                               : std::string()) +
                 "}");
            break;
        default:
            emit("{\"name\":" + jsonString(trace::eventKindName(e.kind)) +
                 ",\"ph\":\"i\",\"s\":\"" + (e.coroutineId ? "t" : "p") + "\"" + where +
                 ",\"args\":{\"value\":" + std::to_string(e.value) +
                 (e.textLength ? ",\"text\":" + jsonString(e.textView()) : std::string()) + "}}");
            break;
        }
    }
    out += "]}\n";
    return out;
}

} // namespace restyscope::engine::debug
