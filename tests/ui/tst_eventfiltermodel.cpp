// EventFilterModel: the Events view's filters (request, coroutine, kind) over the event log,
// while batches keep arriving.

#include "tests/ui/modelfixtures.h"
#include "ui/models/eventfiltermodel.h"
#include "ui/models/eventlogmodel.h"

#include <QAbstractItemModelTester>
#include <QtTest>

using namespace restyscope;
using engine::trace::EventKind;

namespace {

const char* kTwoRequests = "request-begin req=1 text=GET /a\n"
                           "create req=1 co=1 value=0\n"
                           "resume req=1 co=1\n"
                           "request-begin req=2 text=GET /b\n"
                           "create req=2 co=2 value=0\n"
                           "--\n"
                           "create req=1 co=3 parent=1 value=1\n"
                           "yield req=1 co=1 reason=thread-spawn\n"
                           "resume req=2 co=2\n"
                           "log value=6 text=notice\n";

QStringList lines(std::initializer_list<const char*> texts)
{
    QStringList out;
    for (const char* text : texts) {
        out << QString::fromLatin1(text);
    }
    return out;
}

// The Seq and Event columns of the visible rows.
QStringList visible(const QAbstractItemModel& model)
{
    QStringList out;
    for (const auto& row : test::printModel(model)) {
        const auto cells = row.split(QStringLiteral(" | "));
        out << cells.value(0) + QLatin1Char(' ') + cells.value(4);
    }
    return out;
}

} // namespace

class TestEventFilterModel : public QObject
{
    Q_OBJECT

private slots:
    void filters_data()
    {
        QTest::addColumn<quint64>("request");
        QTest::addColumn<quint32>("coroutine");
        QTest::addColumn<int>("kind"); // -1: any
        QTest::addColumn<QStringList>("expected");

        QTest::newRow("no filter")
            << quint64(0) << quint32(0) << -1
            << lines({"1 request begin", "2 create", "3 resume", "4 request begin", "5 create",
                      "6 create", "7 yield", "8 resume", "9 log"});
        QTest::newRow("request 1")
            << quint64(1) << quint32(0) << -1
            << lines({"1 request begin", "2 create", "3 resume", "6 create", "7 yield"});
        QTest::newRow("coroutine 2")
            << quint64(0) << quint32(2) << -1 << lines({"5 create", "8 resume"});
        QTest::newRow("creates of request 1")
            << quint64(1) << quint32(0) << int(EventKind::CoroutineCreate)
            << lines({"2 create", "6 create"});
        QTest::newRow("nothing matches") << quint64(3) << quint32(0) << -1 << QStringList{};
    }

    void filters()
    {
        QFETCH(quint64, request);
        QFETCH(quint32, coroutine);
        QFETCH(int, kind);
        QFETCH(QStringList, expected);
        ui::EventLogModel log;
        ui::EventFilterModel filter;
        filter.setSourceModel(&log);
        QAbstractItemModelTester tester(&filter,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        // Half the events before the filter is set, half after: both paths filter.
        const auto batches = test::eventBatches(QString::fromLatin1(kTwoRequests));
        log.applyEvents(batches.at(0));
        filter.setRequestId(request);
        filter.setCoroutineId(coroutine);
        filter.setKind(kind < 0 ? std::nullopt : std::optional(static_cast<EventKind>(kind)));
        log.applyEvents(batches.at(1));
        QCOMPARE(visible(filter), expected);
        // Cleared: everything again.
        filter.setRequestId(0);
        filter.setCoroutineId(0);
        filter.setKind(std::nullopt);
        QCOMPARE(filter.rowCount(), log.rowCount());
    }

    // The oldest rows leave the bounded log under a filter.
    void boundedLogUnderFilter()
    {
        ui::EventLogModel log(nullptr, 4);
        ui::EventFilterModel filter;
        filter.setSourceModel(&log);
        QAbstractItemModelTester tester(&filter,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        filter.setRequestId(2);
        for (const auto& batch : test::eventBatches(QString::fromLatin1(kTwoRequests))) {
            log.applyEvents(batch);
        }
        QCOMPARE(visible(filter), lines({"8 resume"}));
    }
};

QTEST_GUILESS_MAIN(TestEventFilterModel)
#include "tst_eventfiltermodel.moc"
