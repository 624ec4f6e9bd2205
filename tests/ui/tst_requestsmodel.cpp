// RequestsModel: rows from request begin/phase/end events applied in batches, bounded.

#include "tests/ui/modelfixtures.h"
#include "ui/models/requestsmodel.h"

#include <QAbstractItemModelTester>
#include <QtTest>

using namespace restyscope;

class TestRequestsModel : public QObject
{
    Q_OBJECT

private slots:
    void applyEvents_data()
    {
        QTest::addColumn<QString>("events");
        QTest::addColumn<int>("maxRows");
        QTest::addColumn<QStringList>("expected");
        QTest::addColumn<quint64>("dropped");

        QTest::newRow("begin and end in one batch")
            << QStringLiteral("request-begin req=1 ms=0 text=GET /a\n"
                              "phase-enter req=1 ms=0.1 text=content\n"
                              "request-end req=1 ms=2.5 value=200\n")
            << 10 << QStringList{QStringLiteral("1 | GET /a | 200 | 2.5 ms | done |  | ")}
            << quint64(0);
        QTest::newRow("running request over batches")
            << QStringLiteral("request-begin req=4 ms=0 text=GET /slow\n"
                              "phase-enter req=4 text=rewrite\n"
                              "--\n"
                              "phase-enter req=4 text=content\n"
                              "request-begin req=5 ms=1 text=POST /b\n"
                              "--\n"
                              "request-end req=5 ms=11 value=502\n")
            << 10
            << QStringList{QStringLiteral("4 | GET /slow |  | running | content |  | "),
                           QStringLiteral("5 | POST /b | 502 | 10.0 ms | done |  | ")}
            << quint64(0);
        QTest::newRow("bounded: the oldest rows go")
            << QStringLiteral("request-begin req=1 text=GET /1\n"
                              "request-begin req=2 text=GET /2\n"
                              "--\n"
                              "request-begin req=3 text=GET /3\n"
                              "request-end req=1 value=200\n")
            << 2
            << QStringList{QStringLiteral("2 | GET /2 |  | running |  |  | "),
                           QStringLiteral("3 | GET /3 |  | running |  |  | ")}
            << quint64(1);
        QTest::newRow("the main VM and a VM made for a request")
            << QStringLiteral("vm-create vm=1 text=main\n"
                              "request-begin req=2 text=GET /off\n"
                              "request-begin req=3 text=GET /on\n"
                              "vm-create vm=6 text=request\n"
                              "phase-enter req=2 vm=6 text=content\n"
                              "phase-enter req=3 vm=1 text=content\n"
                              "request-end req=2 value=200\n")
            << 10
            << QStringList{QStringLiteral("2 | GET /off | 200 | 0.0 ms | done | request 6 | "),
                           QStringLiteral("3 | GET /on |  | running | content | main 1 | ")}
            << quint64(0);
        QTest::newRow("events of no known request")
            << QStringLiteral("vm-create vm=1 text=main\n"
                              "request-end req=9 value=200\n"
                              "phase-enter req=9 text=content\n")
            << 10 << QStringList{} << quint64(0);
    }

    void applyEvents()
    {
        QFETCH(QString, events);
        QFETCH(int, maxRows);
        QFETCH(QStringList, expected);
        QFETCH(quint64, dropped);

        ui::RequestsModel model(nullptr, maxRows);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
        const auto batches = test::eventBatches(events);
        int batchesWithBegin = 0;
        for (const auto& batch : batches) {
            batchesWithBegin += std::any_of(batch.cbegin(), batch.cend(), [](const auto& e) {
                return e.kind == engine::trace::EventKind::RequestBegin;
            });
            model.applyEvents(batch);
        }
        QCOMPARE(test::printModel(model), expected);
        QCOMPARE(model.droppedCount(), dropped);
        // Rows are inserted once per batch, not once per event.
        QCOMPARE(inserts.count(), batchesWithBegin);
    }

    void vmFromSnapshot()
    {
        ui::RequestsModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.applyEvents(test::eventBatches(QStringLiteral("request-begin req=1 text=GET /a\n"
                                                            "request-begin req=2 text=GET /b\n"))
                              .front());
        model.applySnapshot(test::snapshotFrom(QStringLiteral("request 1 GET /a content 1 shared\n"
                                                              "request 2 GET /b content 7 own\n")));
        QCOMPARE(test::printModel(model),
                 (QStringList{QStringLiteral("1 | GET /a |  | running |  | main 1 | "),
                              QStringLiteral("2 | GET /b |  | running |  | request 7 | ")}));
        QCOMPARE(model.index(1, 0).data(ui::SortRole).toULongLong(), 2ULL);
        // The snapshot named the main VM: a later request working in it shows it.
        model.applySnapshot(test::snapshotFrom(QStringLiteral("vm 3 main\n")));
        model.applyEvents(test::eventBatches(QStringLiteral("request-begin req=5 text=GET /on\n"
                                                            "cache-hit req=5 vm=3 text=k\n"))
                              .front());
        QCOMPARE(test::printModel(model).last(),
                 QStringLiteral("5 | GET /on |  | running |  | main 3 | "));
    }

    // The wait chains the window computes from the history: running rows show theirs, a row
    // that ended drops it and ignores later ones.
    void waitChains()
    {
        ui::RequestsModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.applyEvents(test::eventBatches(QStringLiteral("request-begin req=1 text=GET /a\n"
                                                            "request-begin req=2 text=GET /b\n"))
                              .front());
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setWaitChains({{1, QStringLiteral("entry 3 sleep 1.0 ms of 5.0 ms")},
                             {2, QStringLiteral("entry 4 running")}});
        QCOMPARE(changed.count(), 1); // one range
        QCOMPARE(test::printModel(model),
                 (QStringList{QStringLiteral(
                                  "1 | GET /a |  | running |  |  | entry 3 sleep 1.0 ms of 5.0 ms"),
                              QStringLiteral("2 | GET /b |  | running |  |  | entry 4 running")}));
        model.applyEvents(
            test::eventBatches(QStringLiteral("request-end req=1 value=200 ms=7\n")).front());
        model.setWaitChains({{1, QStringLiteral("late")}});
        QCOMPARE(test::printModel(model).first().section(QStringLiteral(" | "), 6), QString());
    }
};

QTEST_GUILESS_MAIN(TestRequestsModel)
#include "tst_requestsmodel.moc"
