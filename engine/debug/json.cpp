#include "engine/debug/json.h"

#include <charconv>
#include <cstdio>

namespace restyscope::engine::debug {

void appendJsonString(std::string& out, std::string_view text)
{
    out.push_back('"');
    for (const char c : text) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
                out += escaped;
            } else {
                out.push_back(c);
            }
        }
    }
    out.push_back('"');
}

std::string jsonString(std::string_view text)
{
    std::string out;
    out.reserve(text.size() + 2);
    appendJsonString(out, text);
    return out;
}

namespace {

void appendNumber(std::string& out, std::int64_t value)
{
    char digits[24];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, end);
}

void appendField(std::string& out, std::string_view name, std::int64_t value)
{
    out.append(",\"").append(name).append("\":");
    appendNumber(out, value);
}

} // namespace

void appendJson(std::string& out, const trace::Event& e)
{
    out.append("{\"seq\":");
    appendNumber(out, static_cast<std::int64_t>(e.seq));
    appendField(out, "t", e.timeNs);
    out.append(",\"kind\":");
    appendJsonString(out, trace::eventKindName(e.kind));
    if (e.requestId != 0) {
        appendField(out, "request", static_cast<std::int64_t>(e.requestId));
    }
    if (e.vmId != 0) {
        appendField(out, "vm", e.vmId);
    }
    if (e.coroutineId != 0) {
        appendField(out, "co", e.coroutineId);
    }
    if (e.parentCoroutineId != 0) {
        appendField(out, "parent", e.parentCoroutineId);
    }
    if (e.reason != trace::YieldReason::None) {
        out.append(",\"reason\":");
        appendJsonString(out, trace::yieldReasonName(e.reason));
    }
    appendField(out, "value", e.value);
    if (e.textLength != 0) {
        out.append(",\"text\":");
        appendJsonString(out, e.textView());
    }
    out.push_back('}');
}

std::string toJson(const trace::Event& e)
{
    std::string out;
    out.reserve(160);
    appendJson(out, e);
    return out;
}

std::string toJson(const RequestInfo& r)
{
    std::string out =
        "{\"id\":" + std::to_string(r.id) + ",\"method\":" + jsonString(r.method) +
        ",\"uri\":" + jsonString(r.uri) + ",\"phase\":" + jsonString(r.phase) +
        ",\"vm\":" + std::to_string(r.vmId) + ",\"shared_vm\":" + (r.sharedVm ? "true" : "false") +
        (r.parentId != 0 ? ",\"parent\":" + std::to_string(r.parentId) : "") + ",\"coroutines\":[";
    for (std::size_t i = 0; i < r.coroutines.size(); ++i) {
        const CoroutineInfo& co = r.coroutines[i];
        out += i ? "," : "";
        out += "{\"id\":" + std::to_string(co.id) + ",\"parent\":" + std::to_string(co.parentId) +
               ",\"type\":" + jsonString(trace::coroutineTypeName(co.type)) +
               ",\"status\":" + jsonString(co.status) +
               ",\"reason\":" + jsonString(trace::yieldReasonName(co.reason)) +
               ",\"waiting_on\":" + jsonString(co.waitingOn) +
               ",\"resumes\":" + std::to_string(co.resumes) +
               ",\"posted\":" + (co.posted ? "true" : "false") + "}";
    }
    out += "],\"posted\":[";
    for (std::size_t i = 0; i < r.posted.size(); ++i) {
        out += (i ? "," : "") + std::to_string(r.posted[i]);
    }
    out += "]}";
    return out;
}

std::string toJson(const VmInfo& vm)
{
    std::string out = "{\"id\":" + std::to_string(vm.id) +
                      ",\"main\":" + (vm.main ? "true" : "false") +
                      ",\"memory\":" + std::to_string(vm.memoryBytes) + ",\"cache\":[";
    for (std::size_t i = 0; i < vm.cache.size(); ++i) {
        const CacheEntry& e = vm.cache[i];
        out += i ? "," : "";
        out += "{\"key\":" + jsonString(e.key) + ",\"ref\":" + std::to_string(e.ref) +
               ",\"chunk\":" + jsonString(e.chunkName) + ",\"file\":" + jsonString(e.sourcePath) +
               ",\"bytes\":" + std::to_string(e.bytes) +
               ",\"load_ns\":" + std::to_string(e.loadTimeNs) +
               ",\"hits\":" + std::to_string(e.hits) +
               ",\"changed\":" + (e.changedOnDisk ? "true" : "false") + "}";
    }
    out += "],\"package_loaded\":[";
    for (std::size_t i = 0; i < vm.packageLoaded.size(); ++i) {
        out += (i ? "," : "") + jsonString(vm.packageLoaded[i]);
    }
    out += "]}";
    return out;
}

std::string toJson(const Snapshot& s)
{
    std::string out =
        std::string("{\"paused\":") + (s.paused ? "true" : "false") + ",\"requests\":[";
    for (std::size_t i = 0; i < s.requests.size(); ++i) {
        out += (i ? "," : "") + toJson(s.requests[i]);
    }
    out += "],\"ready\":[";
    for (std::size_t i = 0; i < s.ready.size(); ++i) {
        out += (i ? "," : "") + std::string("{\"request\":") +
               std::to_string(s.ready[i].requestId) +
               ",\"co\":" + std::to_string(s.ready[i].coroutineId) + "}";
    }
    out += "],\"vms\":[";
    for (std::size_t i = 0; i < s.vms.size(); ++i) {
        out += (i ? "," : "") + toJson(s.vms[i]);
    }
    out += "]}";
    return out;
}

} // namespace restyscope::engine::debug
