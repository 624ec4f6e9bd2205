#pragma once
// The bundled example (resources/example) served by an EngineFixture: its Lua files and its
// /api/NAME location (lua_code_cache off), on a free port, plus any extra files a test adds.

#include "tests/common/enginefixture.h"

#include <cstdint>
#include <map>
#include <string>

namespace restyscope::test {

// extraFiles: prefix-relative paths ("lua/timer.lua") to contents, served next to the example's.
bool startExample(EngineFixture& fixture, std::string& error,
                  const std::map<std::string, std::string>& extraFiles = {});

// GETs target on a fresh connection and waits until the engine has emitted that request's
// end event; its request id (0 when there was no answer or no end). status: the response's.
std::uint64_t getAndWait(EngineFixture& fixture, const std::string& target, int* status = nullptr);

} // namespace restyscope::test
