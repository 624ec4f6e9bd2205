// Design: every case under cases/ runs against real nginx (the reference: every expected
// value comes from it, live) and against restyscope, each in a fresh prefix with the same
// conf text on its own free port. A case runs once, when its first row comes up; its rows
// then compare one request each, and a last "end" row compares how the servers stopped and
// their error logs. See README.md for the case format and the environment variables.

#include "casefile.h"
#include "comparison.h"
#include "exchange.h"
#include "serverprocess.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTest>

#include <memory>
#include <thread>

using namespace restyscope::conformance;

namespace {

// QVERIFY2 without the "'expr' returned FALSE." preamble: the message says it all.
#define CHECK(condition, message)                                                                  \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            QFAIL(qPrintable(message));                                                            \
        }                                                                                          \
    } while (false)

constexpr int kStartAttempts = 4;
constexpr int kEndRow = 0;
constexpr int kBrokenRow = -1;

struct Side
{
    std::unique_ptr<ServerProcess> server;
    bool started = false;
    QString startError;
    QList<Outcome> outcomes;
    QString exit;
    QByteArray errorLog;
    QByteArray startupOutput;
    Normalizer normalizer;

    QString label() const { return server->implementation().label; }
};

struct CaseRun
{
    QString id;
    Side reference;
    Side subject;
};

QString casesDir()
{
    return QStringLiteral(RESTYSCOPE_SOURCE_DIR "/tests/conformance/cases");
}

QString findNginx()
{
    const QString configured = qEnvironmentVariable("RESTYSCOPE_CONFORMANCE_NGINX");
    if (!configured.isEmpty()) {
        return configured;
    }
    const QString found = QStandardPaths::findExecutable(QStringLiteral("nginx"));
    if (!found.isEmpty()) {
        return found;
    }
    return QStandardPaths::findExecutable(QStringLiteral("nginx"),
                                          {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin")});
}

QString subjectProgram()
{
    const QString configured = qEnvironmentVariable("RESTYSCOPE_CONFORMANCE_SUBJECT");
    return configured.isEmpty() ? QStringLiteral(RESTYSCOPE_BINARY) : configured;
}

} // namespace

class TestConformance : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void compare_data();
    void compare();
    void cleanupTestCase();

private:
    const CaseRun& runCase(const Case& c);
    void startBoth(const Case& c, CaseRun* run);
    void compareRequest(const Case& c, const CaseRun& run, int index);
    void compareEnd(const Case& c, const CaseRun& run);
    // Fails the row, or marks it an expected failure when the case is a todo.
    void differs(const Case& c, const QString& message);

    Implementation m_reference;
    Implementation m_subject;
    QHash<QString, Case> m_cases;
    QHash<QString, QString> m_broken; // case id -> parse error
    std::unique_ptr<CaseRun> m_run;
};

void TestConformance::initTestCase()
{
    // Real nginx is the oracle; without it nothing here means anything, so fail.
    const QString nginx = findNginx();
    QVERIFY2(!nginx.isEmpty() && QFileInfo(nginx).isExecutable(),
             "real nginx not found (install nginx-light + libnginx-mod-http-lua, or set "
             "RESTYSCOPE_CONFORMANCE_NGINX)");
    const QString subject = subjectProgram();
    QVERIFY2(QFileInfo(subject).isExecutable(),
             qPrintable(QLatin1String("subject not executable: ") + subject));
    m_reference = {QStringLiteral("nginx"), nginx, {}};
    m_subject = {QFileInfo(subject).fileName(), subject, {QStringLiteral("--headless")}};
    if (m_subject.label == m_reference.label) {
        m_subject.label += QLatin1String(" (subject)");
    }
    removeStalePrefixes();
    qInfo("reference: %s", qPrintable(nginx));
    qInfo("subject:   %s --headless", qPrintable(subject));
}

void TestConformance::compare_data()
{
    QTest::addColumn<QString>("caseId");
    QTest::addColumn<int>("row");
    const QRegularExpression filter(qEnvironmentVariable("RESTYSCOPE_CONFORMANCE_CASES"));
    QStringList paths;
    QDirIterator it(casesDir(), {QStringLiteral("*.case")}, QDir::Files,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        paths.append(it.next());
    }
    paths.sort();
    int rows = 0;
    for (const QString& path : std::as_const(paths)) {
        QString id = QDir(casesDir()).relativeFilePath(path);
        id.chop(5); // ".case"
        if (!filter.match(id).hasMatch()) {
            continue;
        }
        Case c;
        QString error;
        if (!parseCase(path, id, &c, &error)) {
            m_broken.insert(id, error);
            QTest::addRow("%s/parse", qPrintable(id)) << id << kBrokenRow;
            continue;
        }
        m_cases.insert(id, c);
        for (const Request& request : std::as_const(c.requests)) {
            QTest::addRow("%s/%s", qPrintable(id), qPrintable(request.label()))
                << id << request.index;
            ++rows;
        }
        QTest::addRow("%s/end", qPrintable(id)) << id << kEndRow;
    }
    if (m_cases.isEmpty() && m_broken.isEmpty()) {
        QTest::newRow("no-cases") << QString() << kBrokenRow;
    }
}

void TestConformance::compare()
{
    QFETCH(QString, caseId);
    QFETCH(int, row);
    if (row == kBrokenRow) {
        CHECK(!caseId.isEmpty(), QStringLiteral("no case matched RESTYSCOPE_CONFORMANCE_CASES"));
        QFAIL(qPrintable(m_broken.value(caseId)));
    }
    const Case& c = m_cases[caseId];
    const CaseRun& run = runCase(c);
    if (c.startupError) {
        compareEnd(c, run);
        return;
    }
    CHECK(run.reference.started,
          (QLatin1String("nginx refused the case (fix the case):\n") + run.reference.startError));
    if (row == kEndRow) {
        compareEnd(c, run);
    } else {
        compareRequest(c, run, row);
    }
}

void TestConformance::cleanupTestCase()
{
    m_run.reset(); // stops both servers (already stopped after each case)
}

const CaseRun& TestConformance::runCase(const Case& c)
{
    if (m_run && m_run->id == c.id) {
        return *m_run;
    }
    m_run.reset();
    auto run = std::make_unique<CaseRun>();
    run->id = c.id;
    run->reference.server = std::make_unique<ServerProcess>(m_reference);
    run->subject.server = std::make_unique<ServerProcess>(m_subject);
    startBoth(c, run.get());
    Side* sides[] = {&run->reference, &run->subject};
    if (run->reference.started && run->subject.started) {
        // Both at once: waits (timeouts, close checks) overlap instead of adding up.
        std::thread other([&] { run->subject.outcomes = runExchange(c, *run->subject.server); });
        run->reference.outcomes = runExchange(c, *run->reference.server);
        other.join();
    } else if (run->reference.started) {
        run->reference.outcomes = runExchange(c, *run->reference.server);
    }
    for (Side* side : sides) {
        side->exit = side->server->stop();
        side->errorLog = side->server->errorLog();
        side->startupOutput = side->server->startupOutput();
        side->normalizer = {side->server->substitutions().ports,
                            side->server->substitutions().prefix};
    }
    m_run = std::move(run);
    return *m_run;
}

void TestConformance::startBoth(const Case& c, CaseRun* run)
{
    for (int attempt = 1; attempt <= kStartAttempts; ++attempt) {
        const QList<quint16> ports = freePorts(2 * c.portCount);
        if (ports.size() != 2 * c.portCount) {
            run->reference.startError = QStringLiteral("no free loopback ports");
            return;
        }
        Side* sides[] = {&run->reference, &run->subject};
        bool retry = false;
        for (int s = 0; s < 2; ++s) {
            Side* side = sides[s];
            side->startError.clear();
            side->started =
                side->server->start(c, ports.mid(s * c.portCount, c.portCount), &side->startError);
            retry = retry || (!side->started && side->server->addressInUse());
        }
        if (!retry || attempt == kStartAttempts) {
            return;
        }
        for (Side* side : sides) { // a port was taken between choosing and binding
            side->server->stop();
            side->started = false;
        }
    }
}

void TestConformance::compareRequest(const Case& c, const CaseRun& run, int index)
{
    const Request& request = c.requests.at(index - 1);
    const Outcome& expected = run.reference.outcomes.at(index - 1);
    const QString where = c.path + QLatin1Char(':') + QString::number(request.line);
    const QStringList expectedLines = renderOutcome(expected, c.headers, run.reference.normalizer);
    for (const QString& assertion : request.asserts) {
        const QString failure = checkAssertion(assertion, expected, run.reference.normalizer);
        CHECK(failure.isEmpty(),
              (where + QLatin1String(": sanity check against nginx failed, ") + failure +
               QLatin1String("; nginx gave:\n") +
               (expectedLines + outcomeNotes(expected)).join(QLatin1Char('\n'))));
    }
    if (!run.subject.started) {
        differs(c,
                run.subject.label() + QLatin1String(" did not start:\n") + run.subject.startError);
        return;
    }
    const Outcome& actual = run.subject.outcomes.at(index - 1);
    const QStringList actualLines = renderOutcome(actual, c.headers, run.subject.normalizer);
    if (qEnvironmentVariableIntValue("RESTYSCOPE_CONFORMANCE_VERBOSE") != 0) {
        // What nginx answered, to help writing cases (a difference is shown anyway).
        qInfo("%s\n%s", qPrintable(where),
              qPrintable((expectedLines + outcomeNotes(expected)).join(QLatin1Char('\n'))));
    }
    QString problem;
    if (actualLines != expectedLines) {
        problem = QLatin1String("the response differs");
    } else if (request.options.timingMs >= 0) {
        const int tolerance = request.options.timingMs;
        if (std::abs(actual.elapsedMs - expected.elapsedMs) > tolerance) {
            problem =
                QStringLiteral("the time to the answer differs by more than %1 ms").arg(tolerance);
        } else if ((actual.closedAtMs < 0) != (expected.closedAtMs < 0) ||
                   std::abs(actual.closedAtMs - expected.closedAtMs) > tolerance) {
            problem = QStringLiteral("the time to the server's close differs by more than %1 ms")
                          .arg(tolerance);
        }
    }
    if (problem.isEmpty()) {
        if (!c.todo.isEmpty()) {
            qWarning("%s: request %d matches nginx although the case is marked todo",
                     qPrintable(c.id), index);
        }
        return;
    }
    const QByteArray sent = encodeRequest(request, run.reference.server->substitutions());
    differs(c, where + QLatin1String(": ") + problem + QLatin1String("\nrequest sent: ") +
                   quoted(run.reference.normalizer.apply(sent), 600) + QLatin1String("\n--- ") +
                   run.reference.label() + QLatin1String(" / +++ ") + run.subject.label() +
                   QLatin1Char('\n') + lineDiff(expectedLines, actualLines) +
                   QLatin1String("\n--- ") + run.reference.label() + QLatin1String(": ") +
                   outcomeNotes(expected).join(QLatin1String("; ")) + QLatin1String("\n+++ ") +
                   run.subject.label() + QLatin1String(": ") +
                   outcomeNotes(actual).join(QLatin1String("; ")));
}

void TestConformance::compareEnd(const Case& c, const CaseRun& run)
{
    const Side& ref = run.reference;
    const Side& sub = run.subject;
    if (c.startupError) {
        CHECK(!ref.started, QStringLiteral("nginx accepted the conf of a === startup_error case"));
        const QString expected = firstEmerg(ref.startupOutput, ref.normalizer);
        CHECK(!expected.isEmpty(), (QLatin1String("nginx printed no [emerg] line:\n") +
                                    QString::fromUtf8(ref.startupOutput)));
        if (qEnvironmentVariableIntValue("RESTYSCOPE_CONFORMANCE_VERBOSE") != 0) {
            qInfo("nginx: %s", qPrintable(expected));
        }
        const QString actual = firstEmerg(sub.startupOutput, sub.normalizer);
        if (sub.started || actual != expected) {
            differs(c, c.path + QLatin1String(": ") +
                           (sub.started ? sub.label() + QLatin1String(" accepted the conf\n")
                                        : QString()) +
                           QLatin1String("nginx: ") + expected + QLatin1Char('\n') + sub.label() +
                           QLatin1String(": ") + actual + QLatin1String("\n(all it printed:)\n") +
                           QString::fromUtf8(sub.startupOutput));
        }
        return;
    }
    const QStringList refLog = logEntries(ref.errorLog, ref.normalizer);
    const QStringList subLog = logEntries(sub.errorLog, sub.normalizer);
    const auto matching = [](const QStringList& log, const QString& pattern) {
        QStringList lines;
        const QRegularExpression re(pattern);
        for (const QString& entry : log) {
            if (re.match(entry).hasMatch()) {
                lines.append(entry);
            }
        }
        return lines;
    };
    if (qEnvironmentVariableIntValue("RESTYSCOPE_CONFORMANCE_VERBOSE") != 0) {
        qInfo("nginx's error.log, normalized:\n%s", qPrintable(refLog.join(QLatin1Char('\n'))));
    }
    // Sanity of the case itself, against nginx's log.
    for (const QString& pattern : c.errorLog) {
        CHECK(!matching(refLog, pattern).isEmpty(),
              (QLatin1String("sanity check against nginx failed: no error.log entry "
                             "matches \"") +
               pattern + QLatin1String("\"; nginx logged:\n") + refLog.join(QLatin1Char('\n'))));
    }
    for (const QString& pattern : c.noErrorLog) {
        CHECK(matching(refLog, pattern).isEmpty(),
              (QLatin1String("sanity check against nginx failed: its error.log has "
                             "entries matching \"") +
               pattern + QLatin1String("\":\n") +
               matching(refLog, pattern).join(QLatin1Char('\n'))));
    }
    QStringList problems;
    if (!sub.started) {
        problems.append(sub.label() + QLatin1String(" did not start:\n") + sub.startError);
    } else if (sub.exit != ref.exit) {
        problems.append(QLatin1String("after SIGTERM nginx: ") + ref.exit + QLatin1String(", ") +
                        sub.label() + QLatin1String(": ") + sub.exit);
    }
    for (const QString& pattern : c.errorLog) {
        if (sub.started && matching(subLog, pattern).isEmpty()) {
            problems.append(QLatin1String("no error.log entry matches \"") + pattern +
                            QLatin1Char('"'));
        }
    }
    for (const QString& pattern : c.noErrorLog) {
        const QStringList found = matching(subLog, pattern);
        if (!found.isEmpty()) {
            problems.append(QLatin1String("error.log entries match \"") + pattern +
                            QLatin1String("\":\n") + found.join(QLatin1Char('\n')));
        }
    }
    for (const QString& pattern : c.compareLog) {
        const QStringList expected = matching(refLog, pattern);
        const QStringList actual = matching(subLog, pattern);
        if (sub.started && expected != actual) {
            problems.append(QLatin1String("error.log entries matching \"") + pattern +
                            QLatin1String("\" differ:\n--- nginx / +++ ") + sub.label() +
                            QLatin1Char('\n') + lineDiff(expected, actual));
        }
    }
    if (!problems.isEmpty()) {
        if (!c.compareLog.isEmpty() || !c.errorLog.isEmpty()) {
            problems.append(QLatin1String("subject's error.log:\n") +
                            subLog.join(QLatin1Char('\n')));
        }
        differs(c, c.path + QLatin1String(": ") + problems.join(QLatin1Char('\n')));
    }
}

void TestConformance::differs(const Case& c, const QString& message)
{
    if (!c.todo.isEmpty()) {
        qInfo("%s", qPrintable(message)); // an XFAIL shows only its reason
        QEXPECT_FAIL("", qPrintable(QLatin1String("todo: ") + c.todo), Continue);
    }
    QTest::qFail(qPrintable(message), __FILE__, __LINE__);
}

QTEST_GUILESS_MAIN(TestConformance)
#include "tst_conformance.moc"
