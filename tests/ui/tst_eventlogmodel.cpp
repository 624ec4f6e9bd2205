// EventLogModel: the live event log, appended once per batch into a bounded ring.

#include "tests/ui/modelfixtures.h"
#include "ui/models/eventlogmodel.h"

#include <QAbstractItemModelTester>
#include <QtTest>

using namespace restyscope;

class TestEventLogModel : public QObject
{
    Q_OBJECT

private slots:
    void applyEvents_data()
    {
        QTest::addColumn<QString>("events");
        QTest::addColumn<int>("capacity");
        QTest::addColumn<QStringList>("expected");
        QTest::addColumn<quint64>("dropped");

        QTest::newRow("a request's scheduling steps")
            << QStringLiteral("request-begin req=1 ms=10 text=GET /t\n"
                              "create req=1 co=1 ms=10.5 value=0\n"
                              "resume req=1 co=1 ms=10.6\n"
                              "--\n"
                              "yield req=1 co=1 ms=11 reason=sleep\n"
                              "sleep-armed req=1 co=1 ms=11 value=100 text=timer\n")
            << 100
            << QStringList{
                   QStringLiteral("1 | 0.000 | 1 |  | request begin |  | 0 | GET /t"),
                   QStringLiteral("2 | 0.500 | 1 | 1 | create |  | 0 | "),
                   QStringLiteral("3 | 0.600 | 1 | 1 | resume |  | 0 | "),
                   QStringLiteral("4 | 1.000 | 1 | 1 | yield | sleep | 0 | "),
                   QStringLiteral("5 | 1.000 | 1 | 1 | sleep armed |  | 100 | timer"),
               }
            << quint64(0);
        QTest::newRow("ring keeps the newest")
            << QStringLiteral("log value=1 text=a\nlog value=1 text=b\n--\n"
                              "log value=1 text=c\nlog value=1 text=d\nlog value=1 text=e\n")
            << 2
            << QStringList{QStringLiteral("4 | 0.000 |  |  | log |  | 1 | d"),
                           QStringLiteral("5 | 0.000 |  |  | log |  | 1 | e")}
            << quint64(3);
    }

    void applyEvents()
    {
        QFETCH(QString, events);
        QFETCH(int, capacity);
        QFETCH(QStringList, expected);
        QFETCH(quint64, dropped);
        ui::EventLogModel model(nullptr, capacity);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
        const auto batches = test::eventBatches(events);
        for (const auto& batch : batches) {
            model.applyEvents(batch);
        }
        QCOMPARE(test::printModel(model), expected);
        QCOMPARE(model.droppedCount(), dropped);
        QCOMPARE(inserts.count(), batches.size());
    }
};

QTEST_GUILESS_MAIN(TestEventLogModel)
#include "tst_eventlogmodel.moc"
