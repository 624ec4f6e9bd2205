#include "tests/common/examplerun.h"

#include "tests/common/httpclient.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace restyscope::test {

namespace fs = std::filesystem;

bool startExample(EngineFixture& fixture, std::string& error,
                  const std::map<std::string, std::string>& extraFiles)
{
    std::map<std::string, std::string> files;
    const fs::path lua = fs::path(RESTYSCOPE_SOURCE_DIR) / "resources/example/lua";
    for (const auto& entry : fs::directory_iterator(lua)) {
        std::ifstream in(entry.path(), std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        files["lua/" + entry.path().filename().string()] = text.str();
    }
    for (const auto& [path, contents] : extraFiles) {
        files[path] = contents;
    }
    // resources/example/conf/nginx.conf's server, on the fixture's port.
    return fixture.start(R"(
    access_log off;
    lua_package_path "$prefix/lua/?.lua;;";
    server {
        listen 127.0.0.1:%PORT%;
        server_name localhost;
        location ~ ^/api/([-_a-zA-Z0-9/]+) {
            lua_code_cache off;
            content_by_lua_file lua/$1.lua;
        }
    })",
                         files, error);
}

std::uint64_t getAndWait(EngineFixture& fixture, const std::string& target, int* status)
{
    const HttpResponse response = httpRequest(fixture.port(), "GET", target);
    if (status) {
        *status = response.status;
    }
    if (response.status == 0) {
        return 0;
    }
    const std::string text = "GET " + target;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        const auto events = fixture.events();
        std::uint64_t id = 0;
        for (const auto& e : events) {
            if (e.kind == engine::trace::EventKind::RequestBegin && e.textView() == text) {
                id = e.requestId; // the latest one of that target
            }
        }
        for (const auto& e : events) {
            if (id && e.kind == engine::trace::EventKind::RequestEnd && e.requestId == id) {
                return id;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return 0;
}

} // namespace restyscope::test
