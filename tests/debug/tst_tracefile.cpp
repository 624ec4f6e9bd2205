// Trace files: events survive a write and read back unchanged, bad lines are refused with
// their line number, and the Chrome export is JSON with a track per coroutine.

#include "engine/debug/json.h"
#include "engine/debug/tracefile.h"
#include "engine/trace/tracer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace restyscope::engine;

namespace {

trace::Event event(std::uint64_t seq, trace::EventKind kind, std::uint32_t co,
                   trace::YieldReason reason = trace::YieldReason::None, std::int64_t value = 0,
                   const std::string& text = {})
{
    trace::Event e;
    e.seq = seq;
    e.timeNs = 1000000 + static_cast<std::int64_t>(seq) * 1500;
    e.requestId = 4;
    e.vmId = 1;
    e.coroutineId = co;
    e.parentCoroutineId = co > 1 ? 1 : 0;
    e.kind = kind;
    e.reason = reason;
    e.value = value;
    e.setText(text);
    return e;
}

std::vector<trace::Event> sample()
{
    return {event(1, trace::EventKind::CoroutineCreate, 1, trace::YieldReason::None, 0),
            event(2, trace::EventKind::CoroutineResume, 1),
            event(3, trace::EventKind::CoroutineYield, 1, trace::YieldReason::Sleep),
            event(4, trace::EventKind::SleepArmed, 1, trace::YieldReason::None, 100),
            event(5, trace::EventKind::CoroutineResume, 1),
            event(6, trace::EventKind::CoroutineFinish, 1, trace::YieldReason::None, 0,
                  "content_by_lua(nginx.conf:3):1: \"quoted\"\n\ttab")};
}

} // namespace

class TestTraceFile : public QObject
{
    Q_OBJECT

private slots:
    void writeAndReadBack()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("t.jsonl")).toStdString();
        trace::Tracer tracer;
        debug::TraceWriter writer;
        std::string error;
        QVERIFY2(writer.start(path, tracer, error), error.c_str());
        for (const auto& e : sample()) {
            tracer.emitEvent(e); // the tracer renumbers seq and restamps time
        }
        writer.stop();
        std::vector<trace::Event> read;
        QVERIFY2(debug::readTrace(path, read, error), error.c_str());
        const auto expected = sample();
        QCOMPARE(read.size(), expected.size());
        for (std::size_t i = 0; i < read.size(); ++i) {
            QCOMPARE(read[i].seq, std::uint64_t(i + 1));
            QCOMPARE(read[i].kind, expected[i].kind);
            QCOMPARE(read[i].reason, expected[i].reason);
            QCOMPARE(read[i].requestId, expected[i].requestId);
            QCOMPARE(read[i].coroutineId, expected[i].coroutineId);
            QCOMPARE(read[i].parentCoroutineId, expected[i].parentCoroutineId);
            QCOMPARE(read[i].value, expected[i].value);
            QCOMPARE(read[i].textView(), expected[i].textView());
        }
    }

    void badLinesAreRefused_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<QByteArray>("message");
        QTest::newRow("not json") << QByteArray("nope") << QByteArray("line 2: expected '{'");
        QTest::newRow("unknown kind") << QByteArray(R"({"seq":1,"t":0,"kind":"bogus","value":0})")
                                      << QByteArray("line 2: unknown kind \"bogus\"");
        QTest::newRow("truncated") << QByteArray(R"({"seq":1,"t":0,"kind":"resume")")
                                   << QByteArray("line 2: expected ',' or '}'");
    }

    void badLinesAreRefused()
    {
        QFETCH(QByteArray, line);
        QFETCH(QByteArray, message);
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("bad.jsonl")).toStdString();
        std::ofstream(path) << debug::toJson(sample().front()) << '\n'
                            << line.toStdString() << '\n';
        std::vector<trace::Event> read;
        std::string error;
        QVERIFY(!debug::readTrace(path, read, error));
        QCOMPARE(QByteArray::fromStdString(error), message);
    }

    void chromeExport()
    {
        const std::string text = debug::toChromeTrace(sample());
        QJsonParseError parseError{};
        const QJsonDocument doc =
            QJsonDocument::fromJson(QByteArray::fromStdString(text), &parseError);
        QVERIFY2(!doc.isNull(), qPrintable(parseError.errorString()));
        const QJsonArray events = doc.object().value(QLatin1String("traceEvents")).toArray();
        QStringList phases;
        for (const auto& value : events) {
            const QJsonObject e = value.toObject();
            phases << e.value(QLatin1String("ph")).toString() + QLatin1Char(' ') +
                          e.value(QLatin1String("name")).toString();
        }
        const QStringList expected{
            QStringLiteral("M process_name"), QStringLiteral("M thread_name"),
            QStringLiteral("B run"),          QStringLiteral("E run"),
            QStringLiteral("i yield: sleep"), QStringLiteral("i sleep armed"),
            QStringLiteral("B run"),          QStringLiteral("E run"),
            QStringLiteral("i error")};
        QCOMPARE(phases, expected);
    }
};

QTEST_GUILESS_MAIN(TestTraceFile)
#include "tst_tracefile.moc"
