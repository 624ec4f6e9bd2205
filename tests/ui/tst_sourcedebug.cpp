// Line debugging in the main window over a real engine: a breakpoint set in the Source dock,
// a real TCP request stops there; the Source dock highlights the line, the Inspector shows
// the locals, upvalues and a watch; F10 steps over one line, Continue runs on, and the
// response is the one served without breakpoints.

#include "tests/common/httpclient.h"
#include "tests/ui/prefixfixture.h"
#include "ui/bridge/enginebridge.h"
#include "ui/views/inspectorview.h"
#include "ui/views/mainwindow.h"
#include "ui/views/sourceview.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTextBlock>
#include <QTreeWidget>
#include <QtTest>

using namespace restyscope;

namespace {

const char* kHandler = "local prefix = 'p'\n"
                       "local function work(n)\n"
                       "    local doubled = n * 2\n"
                       "    local text = prefix .. doubled\n"
                       "    local result = text .. '!'\n"
                       "    return result\n"
                       "end\n"
                       "local t = ngx.thread.spawn(work, 21)\n"
                       "ngx.say(select(2, ngx.thread.wait(t)))\n";

// The Inspector's tree, sections listed: "Section: name=value (type), ...".
QStringList inspectorText(const QTreeWidget& tree, const QStringList& sections)
{
    QStringList out;
    for (int i = 0; i < tree.topLevelItemCount(); ++i) {
        const auto* section = tree.topLevelItem(i);
        if (!sections.contains(section->text(0))) {
            continue;
        }
        QStringList items;
        for (int j = 0; j < section->childCount(); ++j) {
            const auto* item = section->child(j);
            items << item->text(0) + QLatin1Char('=') + item->text(1) + QStringLiteral(" (") +
                         item->text(2) + QLatin1Char(')');
        }
        out << section->text(0) + QStringLiteral(": ") + items.join(QStringLiteral(", "));
    }
    return out;
}

// Issue 19 bug 3: an error two frames down (the raising line is 3).
const char* kBroken = "local function fail(x)\n"
                      "    local t = nil\n"
                      "    return t.field + x\n"
                      "end\n"
                      "local v = 41\n"
                      "ngx.say(fail(v))\n";

} // namespace

class TestSourceDebug : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear(); // no watches, recent dirs or layout from an earlier run
    }

    void breakpointStepContinue()
    {
        QTemporaryDir prefix;
        QVERIFY(prefix.isValid());
        const auto port = test::freePort();
        test::writeServerPrefix(
            prefix, port, QStringLiteral("    location /t { content_by_lua_file lua/t.lua; }\n"),
            {{QStringLiteral("lua/t.lua"), QString::fromLatin1(kHandler)},
             {QStringLiteral("lua/lib/util.lua"), QStringLiteral("return {}\n")}});

        ui::EngineBridge bridge;
        QString error;
        QVERIFY2(bridge.start(prefix.path(), error), qPrintable(error));
        ui::MainWindow window(&bridge);
        window.show();
        const auto plain = test::httpRequest(port, "GET", "/t");
        QCOMPARE(plain.body, std::string("p42!\n"));

        auto* source = window.sourcePane();
        auto* inspector = window.inspectorPane();
        auto* variables = window.findChild<QTreeWidget*>(QStringLiteral("inspectorVariables"));
        auto* stack = window.findChild<QTreeWidget*>(QStringLiteral("inspectorStack"));
        auto* stepAction = window.findChild<QAction*>(QStringLiteral("actionStep"));
        auto* stepInto = window.findChild<QAction*>(QStringLiteral("actionStepInto"));
        auto* continueAction = window.findChild<QAction*>(QStringLiteral("actionContinue"));
        QVERIFY(source && inspector && variables && stack && stepAction && stepInto &&
                continueAction);
        QCOMPARE(source->files(),
                 QStringList({QStringLiteral("conf/nginx.conf"), QStringLiteral("lua/lib/util.lua"),
                              QStringLiteral("lua/t.lua")}));
        QVERIFY(!stepInto->isEnabled());

        // F9 on line 3 of lua/t.lua in the editor sets the breakpoint.
        QVERIFY(source->openFile(QStringLiteral("lua/t.lua")));
        auto* editor = source->editor();
        QTextCursor cursor(editor->document()->findBlockByNumber(2));
        editor->setTextCursor(cursor);
        QTest::keyClick(editor, Qt::Key_F9);
        QCOMPARE(source->breakpoints(QStringLiteral("lua/t.lua")), QSet<int>({3}));
        inspector->addWatch(QStringLiteral("prefix .. (n + 1)"));
        // Commands run in order on the engine thread: a snapshot requested once any earlier
        // one is back was submitted after the breakpoint, so when it arrives the breakpoint
        // is set.
        QSignalSpy snapshots(&bridge, &ui::DebugController::snapshotArrived);
        bridge.requestSnapshot();
        QTRY_VERIFY(snapshots.count() >= 1);
        const auto seen = snapshots.count();
        bridge.requestSnapshot();
        QTRY_VERIFY(snapshots.count() > seen);

        test::HttpConnection client;
        QVERIFY(client.connect(port));
        QVERIFY(client.send("GET /t HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
        QTRY_COMPARE_WITH_TIMEOUT(source->pausedLine(), 3, 10000);
        QCOMPARE(source->currentFile(), QStringLiteral("lua/t.lua"));
        QCOMPARE(editor->textCursor().blockNumber(), 2);
        QVERIFY2(window.windowTitle().endsWith(QLatin1String("[stopped at lua/t.lua:3]")),
                 qPrintable(window.windowTitle()));
        QVERIFY(stepInto->isEnabled());

        const QStringList sections{QStringLiteral("Locals"), QStringLiteral("Upvalues"),
                                   QStringLiteral("Watch")};
        QTRY_COMPARE(inspectorText(*variables, sections),
                     QStringList({QStringLiteral("Locals: n=21 (number)"),
                                  QStringLiteral("Upvalues: prefix=\"p\" (string)"),
                                  QStringLiteral("Watch: prefix .. (n + 1)=\"p22\" (string)")}));
        QCOMPARE(stack->topLevelItemCount(), 1); // a user thread's stack starts at its function
        QCOMPARE(stack->topLevelItem(0)->text(2), QStringLiteral("t.lua:3"));
        const QStringList request = inspectorText(*variables, {QStringLiteral("Request")});
        QCOMPARE(request.size(), 1);
        QVERIFY2(request.front().contains(QLatin1String("ngx.var.uri=\"/t\" (string)")),
                 qPrintable(request.front()));

        // F10 at a line stop steps over: the next line, with the new local.
        stepAction->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(source->pausedLine(), 4, 10000);
        QTRY_COMPARE(inspectorText(*variables, {QStringLiteral("Locals")}),
                     QStringList({QStringLiteral("Locals: n=21 (number), doubled=42 (number)")}));
        QVERIFY2(window.windowTitle().endsWith(QLatin1String("[stopped at lua/t.lua:4]")),
                 qPrintable(window.windowTitle()));

        // Clicking the gutter on line 3 clears the breakpoint; Continue runs on.
        auto* gutter = editor->findChild<QWidget*>(QStringLiteral("sourceGutter"));
        QVERIFY(gutter);
        // The gutter's top is the viewport's: a cursor rectangle gives the line's y.
        const int y =
            editor->cursorRect(QTextCursor(editor->document()->findBlockByNumber(2))).center().y();
        QTest::mouseClick(gutter, Qt::LeftButton, {}, QPoint(5, y));
        QCOMPARE(source->breakpoints(QStringLiteral("lua/t.lua")), QSet<int>());
        QTRY_VERIFY(continueAction->isEnabled());
        continueAction->trigger();
        const auto debugged = client.read(std::chrono::seconds(5));
        QCOMPARE(debugged.status, plain.status);
        QCOMPARE(debugged.body, plain.body);
        QTRY_COMPARE(source->pausedLine(), 0);
        QVERIFY(!window.windowTitle().contains(QLatin1String("stopped")));
        QCOMPARE(inspectorText(*variables, sections), QStringList());

        // The breakpoint is gone: a second request runs through.
        const auto again = test::httpRequest(port, "GET", "/t");
        QCOMPARE(again.body, plain.body);
        QCOMPARE(source->pausedLine(), 0);
    }

    // Frames of nested calls: selecting the caller's frame shows its locals; Step out
    // returns to the caller.
    void framesAndStepOut()
    {
        QTemporaryDir prefix;
        QVERIFY(prefix.isValid());
        const auto port = test::freePort();
        test::writeServerPrefix(
            prefix, port, QStringLiteral("    location /n { content_by_lua_file lua/n.lua; }\n"),
            {{QStringLiteral("lua/n.lua"), QStringLiteral("local function inner(x)\n"
                                                          "    local y = x + 1\n"
                                                          "    return y\n"
                                                          "end\n"
                                                          "local function outer(a)\n"
                                                          "    local r = inner(a)\n"
                                                          "    return r * 10\n"
                                                          "end\n"
                                                          "ngx.say(outer(4))\n")}});
        ui::EngineBridge bridge;
        QString error;
        QVERIFY2(bridge.start(prefix.path(), error), qPrintable(error));
        ui::MainWindow window(&bridge);
        window.show();
        auto* source = window.sourcePane();
        auto* variables = window.findChild<QTreeWidget*>(QStringLiteral("inspectorVariables"));
        auto* stack = window.findChild<QTreeWidget*>(QStringLiteral("inspectorStack"));
        auto* stepOut = window.findChild<QAction*>(QStringLiteral("actionStepOut"));
        auto* continueAction = window.findChild<QAction*>(QStringLiteral("actionContinue"));
        QVERIFY(variables && stack && stepOut && continueAction);

        source->setBreakpoint(QStringLiteral("lua/n.lua"), 2, true);
        QSignalSpy snapshots(&bridge, &ui::DebugController::snapshotArrived);
        bridge.requestSnapshot(); // as above: the second snapshot follows the breakpoint
        QTRY_VERIFY(snapshots.count() >= 1);
        const auto seen = snapshots.count();
        bridge.requestSnapshot();
        QTRY_VERIFY(snapshots.count() > seen);

        test::HttpConnection client;
        QVERIFY(client.connect(port));
        QVERIFY(client.send("GET /n HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
        QTRY_COMPARE_WITH_TIMEOUT(source->pausedLine(), 2, 10000);
        QTRY_VERIFY(stack->topLevelItemCount() >= 3);
        QCOMPARE(stack->topLevelItem(0)->text(2), QStringLiteral("n.lua:2"));
        QCOMPARE(stack->topLevelItem(1)->text(2), QStringLiteral("n.lua:6"));
        QTRY_COMPARE(inspectorText(*variables, {QStringLiteral("Locals")}),
                     QStringList({QStringLiteral("Locals: x=4 (number)")}));
        stack->setCurrentItem(stack->topLevelItem(1));
        QTRY_COMPARE(inspectorText(*variables, {QStringLiteral("Locals")}),
                     QStringList({QStringLiteral("Locals: a=4 (number)")}));

        stepOut->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(source->pausedLine(), 7, 10000);
        QTRY_COMPARE(stack->topLevelItem(0) ? stack->topLevelItem(0)->text(2) : QString(),
                     QStringLiteral("n.lua:%1").arg(7));
        continueAction->trigger();
        const auto response = client.read(std::chrono::seconds(5));
        QCOMPARE(response.body, std::string("50\n"));

        // Stopping the engine while it is stopped at a line (closing the window) returns.
        test::HttpConnection second;
        QVERIFY(second.connect(port));
        QVERIFY(second.send("GET /n HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
        QTRY_COMPARE_WITH_TIMEOUT(source->pausedLine(), 2, 10000);
        QVERIFY(bridge.stoppedAtLine());
        bridge.stop();
        QVERIFY(!bridge.isRunning());
    }

    // Tables in Locals, Upvalues and Watch expand on demand: their fields come from the
    // engine when the item opens, nested tables too, arrays in index order.
    void expandTables()
    {
        QTemporaryDir prefix;
        QVERIFY(prefix.isValid());
        const auto port = test::freePort();
        test::writeServerPrefix(
            prefix, port, QStringLiteral("    location /x { content_by_lua_file lua/x.lua; }\n"),
            {{QStringLiteral("lua/x.lua"),
              QStringLiteral("local config = {name = 'svc', ports = {80, 443}, [true] = 1}\n"
                             "local function handler()\n"
                             "    local n = #config.ports\n"
                             "    return n\n"
                             "end\n"
                             "ngx.say(handler())\n")}});
        ui::EngineBridge bridge;
        QString error;
        QVERIFY2(bridge.start(prefix.path(), error), qPrintable(error));
        ui::MainWindow window(&bridge);
        window.show();
        auto* source = window.sourcePane();
        auto* variables = window.findChild<QTreeWidget*>(QStringLiteral("inspectorVariables"));
        auto* continueAction = window.findChild<QAction*>(QStringLiteral("actionContinue"));
        QVERIFY(variables && continueAction);
        window.inspectorPane()->addWatch(QStringLiteral("{config.ports[2], k = 'v'}"));
        source->setBreakpoint(QStringLiteral("lua/x.lua"), 3, true);
        QSignalSpy snapshots(&bridge, &ui::DebugController::snapshotArrived);
        bridge.requestSnapshot(); // the second snapshot follows the breakpoint (see above)
        QTRY_VERIFY(snapshots.count() >= 1);
        const auto seen = snapshots.count();
        bridge.requestSnapshot();
        QTRY_VERIFY(snapshots.count() > seen);

        test::HttpConnection client;
        QVERIFY(client.connect(port));
        QVERIFY(client.send("GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
        QTRY_COMPARE_WITH_TIMEOUT(source->pausedLine(), 3, 10000);
        auto find = [&](const QString& section, const QString& name) -> QTreeWidgetItem* {
            for (int i = 0; i < variables->topLevelItemCount(); ++i) {
                auto* top = variables->topLevelItem(i);
                for (int j = 0; top->text(0) == section && j < top->childCount(); ++j) {
                    if (top->child(j)->text(0) == name) {
                        return top->child(j);
                    }
                }
            }
            return nullptr;
        };
        auto children = [](const QTreeWidgetItem* item) {
            QStringList out;
            for (int i = 0; i < item->childCount(); ++i) {
                const auto* child = item->child(i);
                out << child->text(0) + QLatin1Char('=') +
                           (child->text(2) == QLatin1String("table") ? QStringLiteral("table")
                                                                     : child->text(1));
            }
            return out;
        };
        QTRY_VERIFY(find(QStringLiteral("Upvalues"), QStringLiteral("config")));
        auto* config = find(QStringLiteral("Upvalues"), QStringLiteral("config"));
        QCOMPARE(config->childIndicatorPolicy(), QTreeWidgetItem::ShowIndicator);
        QCOMPARE(config->childCount(), 0); // nothing asked for yet
        config->setExpanded(true);
        QTRY_COMPARE(children(config),
                     QStringList({QStringLiteral("name=\"svc\""), QStringLiteral("ports=table"),
                                  QStringLiteral("[true]=1")}));
        auto* ports = config->child(1);
        ports->setExpanded(true);
        QTRY_COMPARE(children(ports),
                     QStringList({QStringLiteral("[1]=80"), QStringLiteral("[2]=443")}));
        QVERIFY(ports->child(0)->childIndicatorPolicy() != QTreeWidgetItem::ShowIndicator);

        // A watch whose value is a table expands the same way.
        auto* watch = find(QStringLiteral("Watch"), QStringLiteral("{config.ports[2], k = 'v'}"));
        QVERIFY(watch);
        watch->setExpanded(true);
        QTRY_COMPARE(children(watch),
                     QStringList({QStringLiteral("[1]=443"), QStringLiteral("k=\"v\"")}));

        continueAction->trigger();
        QCOMPARE(client.read(std::chrono::seconds(5)).body, std::string("2\n"));
    }

    // Issue 19 bug 3: with Break on error, a runtime error stops at the line that raised it,
    // before the stack unwinds: the failed coroutine's locals and traceback are in the
    // Inspector, no answer has gone out, and the 500 goes out on Continue (which does not
    // leave the engine paused).
    void breakOnErrorStopsAtTheRaisingLine()
    {
        QTemporaryDir prefix;
        QVERIFY(prefix.isValid());
        const auto port = test::freePort();
        test::writeServerPrefix(
            prefix, port, QStringLiteral("    location /t { content_by_lua_file lua/t.lua; }\n"),
            {{QStringLiteral("lua/t.lua"), QString::fromLatin1(kBroken)}});
        ui::EngineBridge bridge;
        QString error;
        QVERIFY2(bridge.start(prefix.path(), error), qPrintable(error));
        ui::MainWindow window(&bridge);
        window.show();
        auto* onError = window.findChild<QAction*>(QStringLiteral("breakOnError"));
        auto* variables = window.findChild<QTreeWidget*>(QStringLiteral("inspectorVariables"));
        auto* stack = window.findChild<QTreeWidget*>(QStringLiteral("inspectorStack"));
        auto* continueAction = window.findChild<QAction*>(QStringLiteral("actionContinue"));
        QVERIFY(onError && variables && stack && continueAction);
        onError->setChecked(true);
        QSignalSpy snapshots(&bridge, &ui::DebugController::snapshotArrived);
        bridge.requestSnapshot(); // after the toggles, in order on the engine thread
        QTRY_VERIFY(snapshots.count() >= 1);

        test::HttpConnection client;
        QVERIFY(client.connect(port));
        QVERIFY(client.send("GET /t HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
        QTRY_COMPARE_WITH_TIMEOUT(window.sourcePane()->pausedLine(), 3, 10000);
        QCOMPARE(window.sourcePane()->currentFile(), QStringLiteral("lua/t.lua"));
        QVERIFY2(
            window.windowTitle().contains(QLatin1String("[stopped at lua/t.lua:3 on error: ")) &&
                window.windowTitle().contains(QLatin1String("attempt to index local 't'")),
            qPrintable(window.windowTitle()));
        // The traceback: fail at line 3, called from the main chunk at line 6. (LuaJIT has
        // forgotten the failed frame's pc once lua_resume returned: its locals cannot be
        // named; the callers' can.)
        QTRY_COMPARE(stack->topLevelItemCount(), 2);
        QCOMPARE(stack->topLevelItem(0)->text(2), QStringLiteral("t.lua:3"));
        QCOMPARE(stack->topLevelItem(1)->text(2), QStringLiteral("t.lua:6"));
        stack->setCurrentItem(stack->topLevelItem(1));
        QTRY_VERIFY2(inspectorText(*variables, {QStringLiteral("Locals")})
                         .value(0)
                         .contains(QLatin1String("v=41 (number)")),
                     qPrintable(inspectorText(*variables, {QStringLiteral("Locals")}).value(0)));
        // Nothing is answered while stopped.
        QCOMPARE(client.read(std::chrono::milliseconds(300)).status, 0);

        QVERIFY(continueAction->isEnabled());
        continueAction->trigger();
        QCOMPARE(client.read(std::chrono::seconds(5)).status, 500);
        QTRY_COMPARE(window.sourcePane()->pausedLine(), 0);
        QTest::qWait(300);
        QVERIFY2(!window.windowTitle().contains(QLatin1Char('[')),
                 qPrintable(window.windowTitle()));
        onError->setChecked(false);
    }
};

QTEST_MAIN(TestSourceDebug)
#include "tst_sourcedebug.moc"
