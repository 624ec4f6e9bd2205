// What restyscope DIR and File > Open accept: an OpenResty prefix as it is, a plain Lua dir
// through a generated prefix with the seed's routing (lua/ linking to the Lua files), and
// clear errors for anything else. The recent list keeps the newest first.

#include "ui/bridge/workspace.h"

#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace restyscope;

namespace {

void writeFile(const QString& path, const QByteArray& text)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(text);
}

QString readFile(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

} // namespace

class TestWorkspace : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void prefixAsItIs()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath(QStringLiteral("conf/nginx.conf")), "events {}\n");
        writeFile(dir.filePath(QStringLiteral("lua/a.lua")), "ngx.say(1)\n");
        ui::Workspace workspace;
        QString error;
        QVERIFY2(ui::openWorkspace(dir.path(), workspace, error), qPrintable(error));
        const QString canonical = QFileInfo(dir.path()).canonicalFilePath();
        QCOMPARE(workspace.prefix, canonical);
        QCOMPARE(workspace.directory, canonical);
        QVERIFY(!workspace.generated);
    }

    void luaDir_data()
    {
        QTest::addColumn<QString>("luaFile");  // where the user's .lua file is, in DIR
        QTest::addColumn<QString>("linkedTo"); // what prefix/lua links to, in DIR
        QTest::newRow("flat: DIR/*.lua") << QStringLiteral("hello.lua") << QString();
        QTest::newRow("the seed's lua/ without a conf")
            << QStringLiteral("lua/hello.lua") << QStringLiteral("/lua");
    }

    void luaDir()
    {
        QFETCH(QString, luaFile);
        QFETCH(QString, linkedTo);
        QTemporaryDir dir;
        writeFile(dir.filePath(luaFile), "ngx.say('hi')\n");
        ui::Workspace workspace;
        QString error;
        QVERIFY2(ui::openWorkspace(dir.path(), workspace, error), qPrintable(error));
        const QString canonical = QFileInfo(dir.path()).canonicalFilePath();
        QVERIFY(workspace.generated);
        QCOMPARE(workspace.directory, canonical);
        QVERIFY(workspace.prefix.startsWith(
            QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)));
        QCOMPARE(QFileInfo(workspace.prefix + QStringLiteral("/lua")).symLinkTarget(),
                 canonical + linkedTo);
        QCOMPARE(readFile(workspace.prefix + QStringLiteral("/lua/hello.lua")),
                 QStringLiteral("ngx.say('hi')\n"));
        const QString conf = readFile(workspace.prefix + QStringLiteral("/conf/nginx.conf"));
        QVERIFY2(conf.contains(QLatin1String("location ~ ^/api/([-_a-zA-Z0-9/]+) {\n"
                                             "            content_by_lua_file lua/$1.lua;")),
                 qPrintable(conf));
        QVERIFY(QFileInfo(workspace.prefix + QStringLiteral("/logs")).isDir());
        // The user's dir is not written to.
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("conf"))));
        // Opening it again reuses the same generated prefix.
        ui::Workspace again;
        QVERIFY(ui::openWorkspace(dir.path(), again, error));
        QCOMPARE(again.prefix, workspace.prefix);
        QDir(workspace.prefix).removeRecursively();
    }

    void refused_data()
    {
        QTest::addColumn<QString>("file"); // created in DIR first; empty: none
        QTest::addColumn<QString>("subpath");
        QTest::addColumn<QString>("message");
        QTest::newRow("missing") << QString() << QStringLiteral("/nope")
                                 << QStringLiteral("/nope: no such directory");
        QTest::newRow("a file") << QStringLiteral("x.txt") << QStringLiteral("/x.txt")
                                << QStringLiteral("/x.txt is not a directory");
        QTest::newRow("no conf, no Lua")
            << QStringLiteral("x.txt") << QString()
            << QStringLiteral(" has neither conf/nginx.conf nor .lua files");
    }

    void refused()
    {
        QFETCH(QString, file);
        QFETCH(QString, subpath);
        QFETCH(QString, message);
        QTemporaryDir dir;
        if (!file.isEmpty()) {
            writeFile(dir.filePath(file), "x");
        }
        ui::Workspace workspace;
        QString error;
        QVERIFY(!ui::openWorkspace(dir.path() + subpath, workspace, error));
        QVERIFY2(error.endsWith(message), qPrintable(error));
    }

    void recent()
    {
        QStringList recent;
        recent = ui::withRecent(recent, QStringLiteral("/a"), 3);
        recent = ui::withRecent(recent, QStringLiteral("/b"), 3);
        recent = ui::withRecent(recent, QStringLiteral("/a"), 3);
        QCOMPARE(recent, QStringList({QStringLiteral("/a"), QStringLiteral("/b")}));
        recent = ui::withRecent(recent, QStringLiteral("/c"), 3);
        recent = ui::withRecent(recent, QStringLiteral("/d"), 3);
        QCOMPARE(recent,
                 QStringList({QStringLiteral("/d"), QStringLiteral("/c"), QStringLiteral("/a")}));
    }
};

QTEST_GUILESS_MAIN(TestWorkspace)
#include "tst_workspace.moc"
