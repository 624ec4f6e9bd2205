// The Source dock and the break toggles without an engine: a fake controller records what
// the widgets ask for. Lua highlighting per token kind, breakpoints from F9 and the gutter
// API, a line stop opening its file, and the break toggles persisted with QSettings.

#include "ui/bridge/debugcontroller.h"
#include "ui/views/mainwindow.h"
#include "ui/views/sourceview.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTextBlock>
#include <QtTest>

using namespace restyscope;

namespace {

class FakeController final : public ui::DebugController
{
public:
    QString prefix() const override { return m_prefix; }
    QString listenerUrl() const override { return QStringLiteral("http://127.0.0.1:1/"); }
    void pause() override {}
    void cont() override {}
    void step(int) override {}
    void reloadCode() override {}
    void setCodeCache(ui::CodeCacheMode) override {}
    void requestSnapshot() override {}
    void setLineBreakpoint(const QString& file, int line, bool enabled) override
    {
        calls << (enabled ? QStringLiteral("set ") : QStringLiteral("clear ")) + file +
                     QLatin1Char(':') + QString::number(line);
    }
    void setBreakToggles(const ui::BreakToggles& t) override { toggles = t; }
    void stepLine(ui::LineStepKind) override {}
    void continueFromLine() override {}
    void requestInspection(int, const QStringList&) override {}

    QString m_prefix;
    QStringList calls;
    ui::BreakToggles toggles;
};

const char* kSource = "-- a comment\n"
                      "local n = 42 -- trailing\n"
                      "local s = 'it''s' .. \"two\"\n"
                      "--[[ long\n"
                      "comment ]] return n\n";

} // namespace

class TestSourcePane : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        QVERIFY(m_prefix.isValid());
        QDir(m_prefix.path()).mkpath(QStringLiteral("lua/sub"));
        for (const auto& [name, text] :
             {std::pair{"lua/t.lua", kSource}, std::pair{"lua/sub/m.lua", "return {}\n"}}) {
            QFile file(m_prefix.filePath(QString::fromLatin1(name)));
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(text);
        }
        m_controller.m_prefix = m_prefix.path();
    }

    void highlighting_data()
    {
        QTest::addColumn<int>("line");
        QTest::addColumn<int>("column");
        QTest::addColumn<QString>("kind");
        QTest::newRow("comment line") << 1 << 3 << "comment";
        QTest::newRow("keyword") << 2 << 0 << "keyword";
        QTest::newRow("identifier") << 2 << 6 << "plain";
        QTest::newRow("number") << 2 << 10 << "number";
        QTest::newRow("trailing comment") << 2 << 15 << "comment";
        QTest::newRow("single quotes") << 3 << 11 << "string";
        QTest::newRow("double quotes") << 3 << 21 << "string";
        QTest::newRow("concat operator") << 3 << 18 << "plain";
        QTest::newRow("long comment start") << 4 << 6 << "comment";
        QTest::newRow("long comment continued") << 5 << 2 << "comment";
        QTest::newRow("after long comment") << 5 << 11 << "keyword";
    }

    void highlighting()
    {
        QFETCH(int, line);
        QFETCH(int, column);
        QFETCH(QString, kind);
        ui::SourcePane pane(&m_controller);
        pane.setPrefix(m_prefix.path());
        QVERIFY(pane.openFile(QStringLiteral("lua/t.lua")));
        const QTextBlock block = pane.editor()->document()->findBlockByNumber(line - 1);
        QTextCharFormat format;
        for (const auto& range : block.layout()->formats()) {
            if (column >= range.start && column < range.start + range.length) {
                format = range.format;
            }
        }
        const QString actual =
            !format.isValid() || !format.hasProperty(QTextFormat::ForegroundBrush)
                ? QStringLiteral("plain")
            : format.fontItalic()                       ? QStringLiteral("comment")
            : format.fontWeight() == QFont::Bold        ? QStringLiteral("keyword")
            : format.foreground().color().green() > 100 ? QStringLiteral("string")
                                                        : QStringLiteral("number");
        QCOMPARE(actual, kind);
    }

    void breakpointsAndStop()
    {
        m_controller.calls.clear();
        ui::SourcePane pane(&m_controller);
        pane.setPrefix(m_prefix.path());
        QCOMPARE(pane.files(),
                 QStringList({QStringLiteral("lua/sub/m.lua"), QStringLiteral("lua/t.lua")}));
        QVERIFY(pane.openFile(QStringLiteral("lua/t.lua")));
        auto* editor = pane.editor();
        editor->setTextCursor(QTextCursor(editor->document()->findBlockByNumber(1)));
        QTest::keyClick(editor, Qt::Key_F9);
        pane.setBreakpoint(QStringLiteral("lua/sub/m.lua"), 1, true);
        pane.setBreakpoint(QStringLiteral("lua/sub/m.lua"), 1, true); // already set: no call
        QTest::keyClick(editor, Qt::Key_F9);
        QCOMPARE(m_controller.calls, QStringList({QStringLiteral("set lua/t.lua:2"),
                                                  QStringLiteral("set lua/sub/m.lua:1"),
                                                  QStringLiteral("clear lua/t.lua:2")}));
        QCOMPARE(pane.breakpoints(QStringLiteral("lua/sub/m.lua")), QSet<int>({1}));

        ui::LineStopInfo stop;
        stop.source = QLatin1Char('@') + QDir(m_prefix.path()).absolutePath() +
                      QStringLiteral("/lua/sub/m.lua");
        stop.line = 1;
        pane.showStop(stop);
        QCOMPARE(pane.currentFile(), QStringLiteral("lua/sub/m.lua"));
        QCOMPARE(pane.pausedLine(), 1);
        pane.openFile(QStringLiteral("lua/t.lua"));
        QCOMPARE(pane.pausedLine(), 0); // the stop is in the other file
        stop.source = QStringLiteral("=content_by_lua(nginx.conf:3)");
        pane.showStop(stop);
        QCOMPARE(pane.pausedLine(), 0);
        pane.clearStop();
        QCOMPARE(pane.pausedLine(), 0);
    }

    void breakTogglesPersist()
    {
        {
            ui::MainWindow window(&m_controller);
            QCOMPARE(m_controller.toggles.error, false);
            auto* onError = window.findChild<QAction*>(QStringLiteral("breakOnError"));
            auto* onSleep = window.findChild<QAction*>(QStringLiteral("breakOnYield1"));
            QVERIFY(onError && onSleep);
            onError->trigger();
            onSleep->trigger();
            QCOMPARE(m_controller.toggles.error, true);
            QCOMPARE(m_controller.toggles.newRequest, false);
            QCOMPARE(m_controller.toggles.yieldReasons, quint64(1) << 1);
        }
        m_controller.toggles = {};
        ui::MainWindow again(&m_controller); // reads the toggles back and applies them
        QCOMPARE(m_controller.toggles.error, true);
        QCOMPARE(m_controller.toggles.yieldReasons, quint64(1) << 1);
        QVERIFY(again.findChild<QAction*>(QStringLiteral("breakOnError"))->isChecked());
    }

private:
    QTemporaryDir m_prefix;
    FakeController m_controller;
};

QTEST_MAIN(TestSourcePane)
#include "tst_sourcepane.moc"
