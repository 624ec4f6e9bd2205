// ReadyListModel and PostedQueueModel: the queues of a snapshot, in order, with why.

#include "tests/ui/modelfixtures.h"
#include "ui/models/postedqueuemodel.h"
#include "ui/models/readylistmodel.h"

#include <QAbstractItemModelTester>
#include <QtTest>

using namespace restyscope;

namespace {

const char* const kSnapshot = "paused\n"
                              "request 1 GET /a content 1 shared\n"
                              "co 1 0 entry running thread-spawn 1\n"
                              "co 2 1 thread running none 0\n"
                              "co 3 1 thread running sleep 1\n"
                              "posted 1\n"
                              "request 2 GET /b content 1 shared\n"
                              "co 4 0 entry suspended none 0\n"
                              "ready 1 2\n"
                              "ready 2 4\n"
                              "ready 1 3\n";

} // namespace

class TestQueueModels : public QObject
{
    Q_OBJECT

private slots:
    void queues_data()
    {
        QTest::addColumn<bool>("posted");
        QTest::addColumn<QString>("snapshot");
        QTest::addColumn<QStringList>("expected");

        QTest::newRow("ready list in step order")
            << false << QString::fromUtf8(kSnapshot)
            << QStringList{QStringLiteral("1 | 1 | user thread 2 | first run"),
                           QStringLiteral("2 | 2 | entry 4 | first run"),
                           QStringLiteral("3 | 1 | user thread 3 | after sleep")};
        QTest::newRow("posted queue per request")
            << true << QString::fromUtf8(kSnapshot)
            << QStringList{QStringLiteral("1 | 1 | entry 1 | after thread spawn")};
        QTest::newRow("empty ready list")
            << false << QStringLiteral("request 1 GET /a c 1 shared") << QStringList{};
        QTest::newRow("posted id not in the tree")
            << true << QStringLiteral("request 1 GET /a c 1 shared\nposted 8\n")
            << QStringList{QStringLiteral("1 | 1 | 8 | unknown")};
    }

    void queues()
    {
        QFETCH(bool, posted);
        QFETCH(QString, snapshot);
        QFETCH(QStringList, expected);
        ui::ReadyListModel ready;
        ui::PostedQueueModel postedQueue;
        QAbstractItemModel* model = posted ? static_cast<QAbstractItemModel*>(&postedQueue)
                                           : static_cast<QAbstractItemModel*>(&ready);
        QAbstractItemModelTester tester(model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto snap = test::snapshotFrom(snapshot);
        posted ? postedQueue.setSnapshot(snap) : ready.setSnapshot(snap);
        QCOMPARE(test::printModel(*model), expected);
    }
};

QTEST_GUILESS_MAIN(TestQueueModels)
#include "tst_queuemodels.moc"
