// The directive tree: structure, lines, include expansion and what is kept around a
// syntax error. Error texts here are the ones nginx 1.22.1 printed for the same files
// (see also the recorded cases that tst_builder runs).

#include "engine/conf/parser.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace restyscope::engine::conf;

namespace {

void write(const QTemporaryDir& dir, const QString& path, const QByteArray& content)
{
    const QString file = dir.filePath(path);
    QDir().mkpath(QFileInfo(file).path());
    QFile out(file);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(content);
}

// "name arg arg {child; child}" per directive, for compact comparisons.
QString dump(const std::vector<Directive>& directives)
{
    QStringList parts;
    for (const Directive& directive : directives) {
        QString text = QString::fromStdString(directive.name);
        for (std::size_t i = 0; i < directive.args.size(); ++i) {
            const bool code = directive.luaBlock && i + 1 == directive.args.size();
            text += code ? QStringLiteral(" <%1>").arg(QString::fromStdString(directive.args[i]))
                         : QLatin1Char(' ') + QString::fromStdString(directive.args[i]);
        }
        if (directive.hasBlock && !directive.luaBlock) {
            text += QStringLiteral(" {") + dump(directive.block) + QLatin1Char('}');
        }
        if (directive.truncated) {
            text += QLatin1Char('!');
        }
        parts << text;
    }
    return parts.join(QStringLiteral("; "));
}

} // namespace

class TestParser : public QObject
{
    Q_OBJECT

private slots:
    void tree_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("tree");
        QTest::addColumn<QString>("error");

        QTest::newRow("flat") << QByteArray("a 1; b 2 3;") << "a 1; b 2 3"
                              << "";
        QTest::newRow("blocks") << QByteArray("http { server { listen 80; } }")
                                << "http {server {listen 80}}"
                                << "";
        QTest::newRow("lua block is one argument")
            << QByteArray("location / { content_by_lua_block { ngx.say('}') } return 200; }")
            << "location / {content_by_lua_block < ngx.say('}') >; return 200}"
            << "";
        QTest::newRow("set_by_lua_block keeps its argument")
            << QByteArray("set_by_lua_block $a { return 1 }") << "set_by_lua_block $a < return 1 >"
            << "";
        QTest::newRow("other blocks are not Lua")
            << QByteArray("events { use epoll; }") << "events {use epoll}"
            << "";
        QTest::newRow("unclosed block is kept")
            << QByteArray("http {\n  server {\n    listen 80;\n") << "http {server {listen 80}!}!"
            << "unexpected end of file, expecting \"}\" in /c/nginx.conf:4";
        QTest::newRow("directive cut by syntax error is dropped")
            << QByteArray("a 1;\nb \"x\"y;\nc;") << "a 1"
            << "unexpected \"y\" in /c/nginx.conf:2";
        QTest::newRow("stray brace") << QByteArray("a;\n}\nb;") << "a"
                                     << "unexpected \"}\" in /c/nginx.conf:2";
        QTest::newRow("unreadable Lua block is kept")
            << QByteArray("location / {\n content_by_lua_block {\n [[ }\n")
            << "location / {content_by_lua_block <>!}!"
            << "Lua code block missing the closing long bracket \"]]\", the inlined Lua code may "
               "be too long in /c/nginx.conf:3";
        QTest::newRow("no blocks in types")
            << QByteArray("types {\n text/html html;\n text/x {\n") << "types {text/html html}!"
            << "unexpected \"{\" in /c/nginx.conf:3";
        QTest::newRow("include needs one argument")
            << QByteArray("a;\ninclude;") << "a"
            << "invalid number of arguments in \"include\" directive in /c/nginx.conf:2";
        QTest::newRow("include takes no block")
            << QByteArray("include x {") << ""
            << "directive \"include\" is not terminated by \";\" in /c/nginx.conf:1";
    }

    void tree()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, tree);
        QFETCH(QString, error);
        const ParseResult result = parseConfText(
            std::string_view(text.constData(), std::size_t(text.size())), "/c/nginx.conf", "/c/");
        QCOMPARE(dump(result.directives), tree);
        QCOMPARE(result.error ? QString::fromStdString(result.error->text) : QString(), error);
    }

    void locations()
    {
        const ParseResult result = parseConfText(
            "http {\n  server\n  {\n    return\n      200;\n  }\n}\n", "/c/nginx.conf", "/c/");
        QVERIFY(!result.error);
        const Directive& http = result.directives.at(0);
        QCOMPARE(http.where.line, 1);
        QCOMPARE(http.blockEnd.line, 7);
        const Directive& server = http.block.at(0);
        QCOMPARE(server.where.line, 3); // the line of its '{'
        QCOMPARE(server.blockEnd.line, 6);
        const Directive& ret = server.block.at(0);
        QCOMPARE(ret.where.line, 5); // the line of its ';'
        QCOMPARE(ret.where.file, std::string("/c/nginx.conf"));
    }

    void includes()
    {
        QTemporaryDir dir;
        write(dir, QStringLiteral("conf/nginx.conf"),
              "events {}\nhttp {\n  include sites/*.conf;\n  include extra.conf;\n}\n");
        write(dir, QStringLiteral("conf/sites/b.conf"), "server { listen 2; }\n");
        write(dir, QStringLiteral("conf/sites/a.conf"),
              "\nserver { listen 1; include inner.conf; }\n");
        write(dir, QStringLiteral("conf/sites/.hidden.conf"), "hidden;\n");
        write(dir, QStringLiteral("conf/sites/c.txt"), "ignored;\n");
        write(dir, QStringLiteral("conf/inner.conf"), "return 200;\n"); // relative to conf/
        write(dir, QStringLiteral("conf/extra.conf"), "");
        const std::string confDir = dir.filePath(QStringLiteral("conf/")).toStdString();
        const ParseResult result = parseConfFile(confDir + "nginx.conf", confDir);
        QVERIFY2(!result.error, result.error ? result.error->text.c_str() : "");
        QCOMPARE(
            dump(result.directives),
            QStringLiteral("events {}; http {server {listen 1; return 200}; server {listen 2}}"));
        const Directive& first = result.directives.at(1).block.at(0);
        QCOMPARE(first.where.file, confDir + "sites/a.conf");
        QCOMPARE(first.where.line, 2);
        QCOMPARE(first.block.at(1).where.file, confDir + "inner.conf");
        QCOMPARE(first.block.at(1).where.line, 1);
    }

    void includeErrors()
    {
        QTemporaryDir dir;
        const std::string confDir = dir.filePath(QStringLiteral("conf/")).toStdString();
        write(dir, QStringLiteral("conf/nginx.conf"), "a;\n\ninclude missing.conf;\nb;\n");
        ParseResult result = parseConfFile(confDir + "nginx.conf", confDir);
        QCOMPARE(dump(result.directives), QStringLiteral("a"));
        QVERIFY(result.error);
        QCOMPARE(result.error->text,
                 "open() \"" + confDir +
                     "missing.conf\" failed (2: No such file or directory) in " + confDir +
                     "nginx.conf:3");

        // The main file has no location to report.
        result = parseConfFile(confDir + "none.conf", confDir);
        QVERIFY(result.error);
        QCOMPARE(result.error->text,
                 "open() \"" + confDir + "none.conf\" failed (2: No such file or directory)");

        // A block must close in the file that opens it.
        write(dir, QStringLiteral("conf/nginx.conf"), "http {\n  include open.conf;\n}\n");
        write(dir, QStringLiteral("conf/open.conf"), "server {\n");
        result = parseConfFile(confDir + "nginx.conf", confDir);
        QCOMPARE(dump(result.directives), QStringLiteral("http {server {}!}!"));
        QCOMPARE(result.error->text,
                 "unexpected end of file, expecting \"}\" in " + confDir + "open.conf:2");

        // An include of itself stops instead of running out of descriptors.
        write(dir, QStringLiteral("conf/nginx.conf"), "include nginx.conf;\n");
        result = parseConfFile(confDir + "nginx.conf", confDir);
        QVERIFY(result.error);
        QVERIFY(QString::fromStdString(result.error->text)
                    .startsWith(QStringLiteral("include nesting deeper than")));
    }
};

QTEST_GUILESS_MAIN(TestParser)
#include "tst_parser.moc"
