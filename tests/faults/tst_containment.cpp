// Prefix containment (issue 9 item 7), a deliberate restyscope difference from nginx: a
// *_by_lua_file path that resolves outside the prefix (".." from a variable, a symlink)
// is refused with 403 and an error.log line, unless the configuration names that
// directory (see engine/runtime/filecontainment.h). And the listener serves loopback only
// when the conf listens on every address.

#include "engine/runtime/filecontainment.h"
#include "tests/common/enginefixture.h"
#include "tests/common/httpclient.h"

#include <QtTest>

#include <filesystem>
#include <fstream>

using namespace restyscope;

namespace {

namespace fs = std::filesystem;

// A directory beside the prefixes, removed at the end.
class OutsideDir
{
public:
    OutsideDir()
    {
        char pattern[] = "/tmp/restyscope-outside-XXXXXX";
        m_path = ::mkdtemp(pattern);
    }
    ~OutsideDir()
    {
        std::error_code ec;
        fs::remove_all(m_path, ec);
    }
    const std::string& path() const { return m_path; }
    void write(const std::string& name, const std::string& text) const
    {
        std::ofstream(m_path + "/" + name) << text;
    }

private:
    std::string m_path;
};

// "../../<outside>/secret": from <prefix>/lua/ up to / and down again. Sent in the query
// ($arg_f): nginx resolves ".." in the URI path itself.
std::string climbTo(const std::string& target)
{
    return "../../../../../../../.." + target;
}

} // namespace

class TestContainment : public QObject
{
    Q_OBJECT

private slots:
    void refusesPathsLeavingThePrefix()
    {
        OutsideDir outside;
        outside.write("secret.lua", "ngx.say('outside code ran')");
        test::EngineFixture fixture;
        std::string error;
        QVERIFY2(fixture.start(R"(
server {
    listen 127.0.0.1:%PORT%;
    location = /run { content_by_lua_file lua/$arg_f.lua; }
    location = /off { lua_code_cache off; content_by_lua_file lua/$arg_f.lua; }
    location = /rw { rewrite_by_lua_file lua/$arg_f.lua; content_by_lua_block { ngx.say("c") } }
    location = /linked { content_by_lua_file lua/linked.lua; }
    location = /dirlink { content_by_lua_file lua/shared/inner.lua; }
}
)",
                               {{"lua/inside.lua", "ngx.say('inside')"},
                                {"lua/sub/deeper.lua", "ngx.say('deeper')"}},
                               error),
                 error.c_str());
        fs::create_symlink(outside.path() + "/secret.lua", fixture.prefix() + "lua/linked.lua");
        fs::create_symlink(outside.path(), fixture.prefix() + "lua/shared");
        outside.write("inner.lua", "ngx.say('through a linked directory')");

        const std::string climb = climbTo(outside.path() + "/secret");
        struct Row
        {
            std::string target;
            int status;
            std::string body;
        };
        const std::vector<Row> rows = {
            {"/run?f=inside", 200, "inside\n"},
            {"/run?f=sub/deeper", 200, "deeper\n"},
            {"/run?f=sub/../inside", 200, "inside\n"}, // ".." that stays inside
            {"/run?f=" + climb, 403, ""},
            {"/off?f=" + climb, 403, ""},
            {"/rw?f=" + climb, 403, ""},
            {"/run?f=linked", 403, ""}, // a symlink out, reached through a variable
            {"/linked", 403, ""},       // a symlink out, the path itself constant
            {"/run?f=inside", 200, "inside\n"},
            {"/linked", 403, ""}, // refused again (not cached as loaded)
        };
        for (const auto& row : rows) {
            const auto response = test::httpRequest(fixture.port(), "GET", row.target);
            QVERIFY2(response.status == row.status,
                     (row.target + " -> " + std::to_string(response.status)).c_str());
            if (row.status == 200) {
                QCOMPARE(response.body, row.body);
            }
        }
        // A directory the conf spells (lua/shared/...) is named by it, even as a symlink.
        QCOMPARE(test::httpRequest(fixture.port(), "GET", "/dirlink").body,
                 std::string("through a linked directory\n"));
        const std::string log = fixture.errorLog();
        const std::string line = "restyscope refused to load Lua file \"" + fixture.prefix() +
                                 "lua/" + climb + ".lua\": it resolves outside the prefix \"" +
                                 fixture.prefix() +
                                 "\" and the directories the configuration names";
        QVERIFY2(log.find(line) != std::string::npos, log.c_str());
        QVERIFY(log.find("request: \"GET /linked HTTP/1.1\"") != std::string::npos);
        QVERIFY(log.find("outside code ran") == std::string::npos);
    }

    void allowsDirectoriesTheConfNames()
    {
        OutsideDir handlers;
        handlers.write("a.lua", "ngx.say('absolute directory')");
        OutsideDir library;
        library.write("b.lua", "ngx.say('package path directory')");
        library.write("mod.lua", "return {v = 'module'}");
        test::EngineFixture fixture;
        std::string error;
        QVERIFY2(fixture.start("lua_package_path \"" + library.path() + "/?.lua;;\";\n" + R"(
server {
    listen 127.0.0.1:%PORT%;
    location = /abs { content_by_lua_file )" +
                                   handlers.path() +
                                   R"(/$arg_f.lua; }
    location = /rel { content_by_lua_file lua/$arg_f.lua; }
    location = /req { content_by_lua_block { ngx.say(require("mod").v) } }
}
)",
                               {{"lua/here.lua", "return"}}, error),
                 error.c_str());
        QCOMPARE(test::httpRequest(fixture.port(), "GET", "/abs?f=a").body,
                 std::string("absolute directory\n"));
        QCOMPARE(
            test::httpRequest(fixture.port(), "GET", "/rel?f=" + climbTo(library.path() + "/b"))
                .body,
            std::string("package path directory\n"));
        // require() is not a *_by_lua_file load: nginx's package.path rules only.
        QCOMPARE(test::httpRequest(fixture.port(), "GET", "/req").body, std::string("module\n"));
        // Out of the named directory again: refused.
        QCOMPARE(
            test::httpRequest(fixture.port(), "GET", "/abs?f=" + climbTo("/etc/passwd")).status,
            403);
    }

    void namedDirectory_data()
    {
        QTest::addColumn<QString>("directive");
        QTest::addColumn<QString>("named");
        QTest::newRow("relative with a variable") << "lua/$1.lua"
                                                  << "/p/lua/";
        QTest::newRow("variable first") << "$1.lua"
                                        << "/p/";
        QTest::newRow("absolute") << "/srv/lua/$1/x.lua"
                                  << "/srv/lua/";
        QTest::newRow("constant") << "lua/x.lua"
                                  << "/p/lua/";
        QTest::newRow("dot-dot, constant") << "../shared/x.lua"
                                           << "/shared/";
    }
    void namedDirectory()
    {
        QFETCH(QString, directive);
        QFETCH(QString, named);
        const engine::runtime::FileContainment containment("/p/", "");
        QCOMPARE(QString::fromStdString(containment.namedDirectory(directive.toStdString())),
                 named);
    }

    void wildcardListenServesLoopbackOnly()
    {
        for (const std::string& listen :
             {std::string("%PORT%"), std::string("*:%PORT%"), std::string("0.0.0.0:%PORT%")}) {
            test::EngineFixture fixture;
            std::string error;
            QVERIFY2(fixture.start("server { listen " + listen +
                                       "; location / { return 200 \"up\\n\"; } }",
                                   {}, error),
                     error.c_str());
            std::vector<engine::ListenEndpoint> endpoints;
            fixture.call([&](engine::Engine& e) { endpoints = e.listening(); });
            QCOMPARE(endpoints.size(), std::size_t(1));
            QCOMPARE(endpoints[0].address, std::string("127.0.0.1"));
            QCOMPARE(endpoints[0].port, fixture.port());
            QCOMPARE(test::httpRequest(fixture.port(), "GET", "/").body, std::string("up\n"));
        }
    }
};

QTEST_GUILESS_MAIN(TestContainment)
#include "tst_containment.moc"
