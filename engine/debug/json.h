#pragma once
// JSON text for snapshots and events: the --debug-stdio answers and the JSON Lines trace
// share these writers.

#include "engine/debug/snapshot.h"
#include "engine/trace/event.h"

#include <string>
#include <string_view>

namespace restyscope::engine::debug {

// A JSON string literal, quotes included.
std::string jsonString(std::string_view text);
void appendJsonString(std::string& out, std::string_view text);

// Appends one event's object: the hot path of trace files (no temporaries).
void appendJson(std::string& out, const trace::Event& event);

std::string toJson(const trace::Event& event);
std::string toJson(const RequestInfo& request);
std::string toJson(const VmInfo& vm);
std::string toJson(const Snapshot& snapshot);

} // namespace restyscope::engine::debug
