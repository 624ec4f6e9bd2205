#pragma once
// Design: what the views show, as plain values built on the engine thread on request:
// each live request's coroutine tree and posted queue, the ready list of held resumes,
// and the code cache of each live VM read from its registry table. Nothing here points
// into the engine, so a snapshot can cross to the UI thread.

#include "engine/trace/probes.h"

#include <cstdint>
#include <string>
#include <vector>

namespace restyscope::engine::debug {

struct CoroutineInfo
{
    std::uint32_t id = 0;
    std::uint32_t parentId = 0;
    trace::CoroutineType type = trace::CoroutineType::Entry;
    std::string status; // running, suspended, normal, dead, zombie
    trace::YieldReason reason = trace::YieldReason::None;
    std::string waitingOn;
    std::uint64_t resumes = 0;
    bool posted = false;
};

struct RequestInfo
{
    std::uint64_t id = 0;
    std::string method;
    std::string uri;
    std::string phase; // "rewrite", "access", "content"
    std::uint32_t vmId = 0;
    bool sharedVm = true;                  // the main VM (lua_code_cache on)
    std::uint64_t parentId = 0;            // a subrequest's parent request (0: none)
    std::vector<CoroutineInfo> coroutines; // creation order
    std::vector<std::uint32_t> posted;     // queue order
};

struct ReadyInfo
{
    std::uint64_t requestId = 0;
    std::uint32_t coroutineId = 0;
};

struct CacheEntry
{
    std::string key;
    int ref = 0;
    std::string chunkName;
    std::string sourcePath;
    std::size_t bytes = 0;
    std::int64_t loadTimeNs = 0;
    std::uint64_t hits = 0;
    bool changedOnDisk = false; // the file's mtime is newer than when it was loaded
};

struct VmInfo
{
    std::uint32_t id = 0;
    bool main = false;
    std::size_t memoryBytes = 0;
    std::vector<CacheEntry> cache;
    std::vector<std::string> packageLoaded; // module names, sorted
    // Beside packageLoaded, same order: the file package.path (then package.cpath) finds for
    // the name, "" for built-in and preloaded modules.
    std::vector<std::string> packageFiles;
};

struct Snapshot
{
    bool paused = false;
    std::vector<RequestInfo> requests;
    std::vector<ReadyInfo> ready;
    std::vector<VmInfo> vms;
};

} // namespace restyscope::engine::debug
