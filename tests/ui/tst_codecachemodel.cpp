// CodeCacheModel: the registry code cache of every VM in a snapshot.

#include "tests/ui/modelfixtures.h"
#include "ui/models/codecachemodel.h"

#include <QAbstractItemModelTester>
#include <QtTest>

using namespace restyscope;

class TestCodeCacheModel : public QObject
{
    Q_OBJECT

private slots:
    void setSnapshot_data()
    {
        QTest::addColumn<QString>("snapshot");
        QTest::addColumn<QStringList>("expected");

        QTest::newRow("shared main VM")
            << QStringLiteral("vm 1 main\n"
                              "cache nhli_0a1b 3 =content_by_lua(nginx.conf:20) - 120 4\n"
                              "cache nhlf_9f8e 4 @/p/lua/a.lua /p/lua/a.lua 300 0 changed\n")
            << QStringList{
                   QStringLiteral("main 1 | nhli_0a1b | =content_by_lua(nginx.conf:20) | - | "
                                  "120 | 4 | "),
                   QStringLiteral("main 1 | nhlf_9f8e | @/p/lua/a.lua | /p/lua/a.lua | 300 | 0 | "
                                  "changed"),
               };
        QTest::newRow("a VM per request, empty main")
            << QStringLiteral("vm 1 main\n"
                              "vm 5 request\n"
                              "cache nhlf_aa 1 @/p/lua/t.lua /p/lua/t.lua 80 0\n"
                              "vm 6 request\n"
                              "cache nhlf_aa 1 @/p/lua/t.lua /p/lua/t.lua 80 0\n")
            << QStringList{
                   QStringLiteral("request 5 | nhlf_aa | @/p/lua/t.lua | /p/lua/t.lua | 80 | 0 | "),
                   QStringLiteral("request 6 | nhlf_aa | @/p/lua/t.lua | /p/lua/t.lua | 80 | 0 | "),
               };
        QTest::newRow("no VMs") << QString() << QStringList{};
    }

    void setSnapshot()
    {
        QFETCH(QString, snapshot);
        QFETCH(QStringList, expected);
        ui::CodeCacheModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setSnapshot(test::snapshotFrom(snapshot));
        QCOMPARE(test::printModel(model), expected);
        for (int row = 0; row < model.rowCount(); ++row) {
            const bool changed = !model.index(row, 6).data().toString().isEmpty();
            QCOMPARE(model.index(row, 0).data(Qt::ForegroundRole).isValid(), changed);
        }
    }
};

QTEST_GUILESS_MAIN(TestCodeCacheModel)
#include "tst_codecachemodel.moc"
