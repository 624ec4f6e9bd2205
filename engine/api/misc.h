#pragma once
// Process-wide facts ngx.config and ngx.worker report. Set by the engine at start-up,
// before the first VM is made; engine thread only.

#include <string>

namespace restyscope::engine::api {

// ngx.config.prefix(): the prefix with its trailing '/'.
void setConfigPrefix(const std::string& prefix);
// ngx.worker.exiting(): true once the engine is shutting down.
void setWorkerExiting(bool exiting);

} // namespace restyscope::engine::api
