// The code-cache view against the registry itself: the snapshot lists exactly the keys the
// registry table holds, marks a file edited on disk since it was loaded, and is empty after
// a reload. Toggling lua_code_cache at runtime switches between the shared VM and one VM
// per request.

#include "engine/debug/debugger.h"
#include "engine/runtime/registry.h"
#include "tests/common/enginefixture.h"
#include "tests/common/httpclient.h"

#include <QtTest>

#include <lua.hpp>

#include <set>
#include <thread>

using namespace restyscope;

namespace {

// The string keys of the main VM's code cache table, read from the registry.
std::set<std::string> registryKeys(lua_State* L)
{
    std::set<std::string> keys;
    engine::runtime::pushRegistryTable(L, engine::runtime::RegistryTable::CodeCache);
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        if (lua_type(L, -2) == LUA_TSTRING) {
            keys.insert(lua_tostring(L, -2));
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return keys;
}

const engine::debug::VmInfo* mainVm(const engine::debug::Snapshot& snapshot)
{
    for (const auto& vm : snapshot.vms) {
        if (vm.main) {
            return &vm;
        }
    }
    return nullptr;
}

} // namespace

class TestCacheSnapshot : public QObject
{
    Q_OBJECT

private slots:
    void snapshotMatchesRegistryAndTracksEdits()
    {
        test::EngineFixture engine;
        std::string error;
        QVERIFY2(
            engine.start("lua_package_path \"$prefix/lua/?.lua;;\";\n"
                         "server { listen 127.0.0.1:%PORT%;\n"
                         "  location ~ ^/f/(\\w+) { content_by_lua_file lua/$1.lua; }\n"
                         "  location = /const { content_by_lua_file lua/a.lua; }\n"
                         "  location = /inline { content_by_lua_block { ngx.say('inline') } }\n"
                         "}",
                         {{"lua/a.lua", "ngx.say(require('mod').name)"},
                          {"lua/b.lua", "ngx.say('b')"},
                          {"lua/mod.lua", "return {name = 'mod'}"}},
                         error),
            error.c_str());
        for (const char* uri : {"/f/a", "/f/b", "/const", "/inline", "/f/a"}) {
            QCOMPARE(test::httpRequest(engine.port(), "GET", uri).status, 200);
        }

        std::set<std::string> inRegistry;
        std::set<std::string> inSnapshot;
        bool changed = true;
        bool modLoaded = false;
        std::uint64_t hitsOfA = 0;
        engine.call([&](engine::Engine& e) {
            inRegistry = registryKeys(e.mainVmState());
            const auto snapshot = e.debugger().snapshot();
            for (const auto& entry : mainVm(snapshot)->cache) {
                if (!entry.key.empty()) {
                    inSnapshot.insert(entry.key);
                }
                changed = changed && entry.changedOnDisk;
                if (entry.sourcePath.ends_with("/lua/a.lua") && entry.ref == -2) {
                    hitsOfA = entry.hits; // the variable-path entry: /f/a twice
                }
            }
            for (const auto& name : mainVm(snapshot)->packageLoaded) {
                modLoaded = modLoaded || name == "mod";
            }
        });
        QCOMPARE(inRegistry.size(), std::size_t(4)); // two variable paths, a constant, inline
        QCOMPARE(inSnapshot, inRegistry);
        QVERIFY(!changed);
        QVERIFY(modLoaded);
        QCOMPARE(hitsOfA, std::uint64_t(1)); // one miss, then one hit

        std::this_thread::sleep_for(std::chrono::milliseconds(20)); // a later mtime
        engine.writeFile("lua/b.lua", "ngx.say('b edited')");
        std::vector<std::string> changedFiles;
        engine.call([&](engine::Engine& e) {
            const auto snapshot = e.debugger().snapshot();
            for (const auto& entry : mainVm(snapshot)->cache) {
                if (entry.changedOnDisk) {
                    changedFiles.push_back(entry.sourcePath);
                }
            }
        });
        std::string listed;
        for (const auto& file : changedFiles) {
            listed += file + " ";
        }
        QVERIFY2(changedFiles == std::vector<std::string>{engine.prefix() + "lua/b.lua"},
                 listed.c_str());
        // The cache keeps the old code until a reload.
        QCOMPARE(test::httpRequest(engine.port(), "GET", "/f/b").body, std::string("b\n"));

        std::size_t afterReload = 1;
        engine.call([&](engine::Engine& e) {
            std::string reloadError;
            QVERIFY(e.reloadCode(reloadError));
            const auto snapshot = e.debugger().snapshot();
            afterReload = mainVm(snapshot)->cache.size();
        });
        QCOMPARE(afterReload, std::size_t(0));
        QCOMPARE(test::httpRequest(engine.port(), "GET", "/f/b").body, std::string("b edited\n"));
    }

    void toggleCodeCacheAtRuntime()
    {
        test::EngineFixture engine;
        std::string error;
        QVERIFY2(engine.start("server { listen 127.0.0.1:%PORT%;\n"
                              "  location = /t { content_by_lua_block {\n"
                              "    n = (n or 0) + 1 ngx.say(n) } } }",
                              {}, error),
                 error.c_str());
        QCOMPARE(test::httpRequest(engine.port(), "GET", "/t").body, std::string("1\n"));
        QCOMPARE(test::httpRequest(engine.port(), "GET", "/t").body, std::string("2\n"));
        engine.call([](engine::Engine& e) { e.setCodeCacheOverride(false); });
        QCOMPARE(test::httpRequest(engine.port(), "GET", "/t").body, std::string("1\n"));
        QCOMPARE(test::httpRequest(engine.port(), "GET", "/t").body, std::string("1\n"));
        engine.call([](engine::Engine& e) { e.setCodeCacheOverride(std::nullopt); });
        QCOMPARE(test::httpRequest(engine.port(), "GET", "/t").body, std::string("3\n"));
    }
};

QTEST_GUILESS_MAIN(TestCacheSnapshot)
#include "tst_cachesnapshot.moc"
