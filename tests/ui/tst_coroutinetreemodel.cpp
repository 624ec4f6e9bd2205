// CoroutineTreeModel: a snapshot's requests with their coroutines as a tree by parent id.

#include "tests/ui/modelfixtures.h"
#include "ui/models/coroutinetreemodel.h"

#include <QAbstractItemModelTester>
#include <QFont>
#include <QtTest>

using namespace restyscope;

class TestCoroutineTreeModel : public QObject
{
    Q_OBJECT

private slots:
    void setSnapshot_data()
    {
        QTest::addColumn<QString>("snapshot");
        QTest::addColumn<QStringList>("expected");

        QTest::newRow("no requests") << QString() << QStringList{};
        QTest::newRow("entry thread with user threads and a coroutine")
            << QStringLiteral("request 3 GET /t content 1 shared\n"
                              "co 10 0 entry running thread-wait 4 user thread 11\n"
                              "co 11 10 thread running sleep 1 timer 1000 ms\n"
                              "co 12 10 thread dead sleep 2\n"
                              "co 13 10 coroutine suspended coroutine-yield 2\n"
                              "co 14 13 coroutine suspended none 0\n")
            << QStringList{
                   QStringLiteral("request 3: GET /t | content |  |  | "),
                   QStringLiteral(
                       "  entry 10 | waiting on user thread 11 | thread wait | user thread 11 | 4"),
                   QStringLiteral(
                       "    user thread 11 | suspended: sleep | sleep | timer 1000 ms | 1"),
                   QStringLiteral("    user thread 12 | done |  |  | 2"),
                   QStringLiteral("    user coroutine 13 | suspended: coroutine yield | coroutine "
                                  "yield |  | 2"),
                   QStringLiteral("      user coroutine 14 | not started |  |  | 0"),
               };
        QTest::newRow("two requests, unknown parent goes under the request")
            << QStringLiteral("request 1 GET /a content 1 shared\n"
                              "co 1 0 entry suspended none 0\n"
                              "request 2 POST /b access 5 own\n"
                              "co 2 0 entry running sleep 1\n"
                              "co 9 7 thread running none 0\n")
            << QStringList{
                   QStringLiteral("request 1: GET /a | content |  |  | "),
                   QStringLiteral("  entry 1 | not started |  |  | 0"),
                   QStringLiteral("request 2: POST /b | access |  |  | "),
                   QStringLiteral("  entry 2 | suspended: sleep | sleep |  | 1"),
                   QStringLiteral("  user thread 9 | not started |  |  | 0"),
               };
    }

    void setSnapshot()
    {
        QFETCH(QString, snapshot);
        QFETCH(QStringList, expected);
        ui::CoroutineTreeModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        // A first snapshot, then the one under test: the second swaps in with a reset.
        model.setSnapshot(test::snapshotFrom(QStringLiteral("request 99 GET /x content 1 shared\n"
                                                            "co 1 0 entry running none 1\n")));
        model.setSnapshot(test::snapshotFrom(snapshot));
        QCOMPARE(test::printModel(model), expected);
    }

    void finishedGreyAndNextResumeBold()
    {
        ui::CoroutineTreeModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setSnapshot(test::snapshotFrom(QStringLiteral("paused\n"
                                                            "request 1 GET /a content 1 shared\n"
                                                            "co 1 0 entry running thread-wait 2\n"
                                                            "co 2 1 thread dead none 1\n"
                                                            "co 3 1 thread running sleep 1\n"
                                                            "ready 1 3\n")));
        const QModelIndex entry = model.index(0, 0, model.index(0, 0));
        const QModelIndex dead = model.index(0, 0, entry);
        const QModelIndex next = model.index(1, 0, entry);
        QVERIFY(dead.data(Qt::ForegroundRole).isValid());
        QVERIFY(!next.data(Qt::ForegroundRole).isValid());
        QVERIFY(next.data(Qt::FontRole).value<QFont>().bold());
        QVERIFY(!entry.data(Qt::FontRole).isValid());
        // The reason column carries the reason's colour, the same one every view uses.
        QVERIFY(next.siblingAtColumn(2).data(Qt::DecorationRole).isValid());
        QVERIFY(!dead.siblingAtColumn(2).data(Qt::DecorationRole).isValid());
        // Issue 19 bug 5: the state in the user's words, coroutine.status's in the tooltip.
        QCOMPARE(next.siblingAtColumn(1).data().toString(), QStringLiteral("suspended: sleep"));
        QCOMPARE(next.siblingAtColumn(1).data(Qt::ToolTipRole).toString(),
                 QStringLiteral("coroutine.status: running\n"
                                "bold: the next resume, Step (F10) performs it"));
        QCOMPARE(entry.siblingAtColumn(1).data().toString(), QStringLiteral("waiting on a thread"));
        QCOMPARE(dead.siblingAtColumn(1).data().toString(), QStringLiteral("done"));
    }
};

QTEST_GUILESS_MAIN(TestCoroutineTreeModel)
#include "tst_coroutinetreemodel.moc"
