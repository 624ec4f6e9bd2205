#include "engine/debug/json.h"

#include <cstdio>

namespace restyscope::engine::debug {

std::string jsonString(std::string_view text)
{
    std::string out;
    out.reserve(text.size() + 2);
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
    return out;
}

std::string toJson(const trace::Event& e)
{
    std::string out = "{\"seq\":" + std::to_string(e.seq) + ",\"t\":" + std::to_string(e.timeNs) +
                      ",\"kind\":" + jsonString(trace::eventKindName(e.kind));
    if (e.requestId != 0) {
        out += ",\"request\":" + std::to_string(e.requestId);
    }
    if (e.vmId != 0) {
        out += ",\"vm\":" + std::to_string(e.vmId);
    }
    if (e.coroutineId != 0) {
        out += ",\"co\":" + std::to_string(e.coroutineId);
    }
    if (e.parentCoroutineId != 0) {
        out += ",\"parent\":" + std::to_string(e.parentCoroutineId);
    }
    if (e.reason != trace::YieldReason::None) {
        out += ",\"reason\":" + jsonString(trace::yieldReasonName(e.reason));
    }
    out += ",\"value\":" + std::to_string(e.value);
    if (e.textLength != 0) {
        out += ",\"text\":" + jsonString(e.textView());
    }
    out += "}";
    return out;
}

std::string toJson(const RequestInfo& r)
{
    std::string out = "{\"id\":" + std::to_string(r.id) + ",\"method\":" + jsonString(r.method) +
                      ",\"uri\":" + jsonString(r.uri) + ",\"phase\":" + jsonString(r.phase) +
                      ",\"vm\":" + std::to_string(r.vmId) +
                      ",\"shared_vm\":" + (r.sharedVm ? "true" : "false") + ",\"coroutines\":[";
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
