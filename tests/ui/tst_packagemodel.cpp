// PackageModel: package.loaded of each live VM beside the code cache, from snapshots.

#include "tests/ui/modelfixtures.h"
#include "ui/models/packagemodel.h"

#include <QAbstractItemModelTester>
#include <QtTest>

using namespace restyscope;

class TestPackageModel : public QObject
{
    Q_OBJECT

private slots:
    void setSnapshot_data()
    {
        QTest::addColumn<QString>("snapshot");
        QTest::addColumn<bool>("withBuiltins");
        QTest::addColumn<QStringList>("expected");

        const QString twoVms =
            QStringLiteral("vm 1 main\n"
                           "module _G\n"
                           "module counter /p/lua/counter.lua\n"
                           "module string\n"
                           "vm 4 request\n"
                           "module cjson /usr/lib/x86_64-linux-gnu/lua/5.1/cjson.so\n");
        QTest::newRow("modules from files")
            << twoVms << false
            << QStringList{
                   QStringLiteral("main 1 | counter | /p/lua/counter.lua"),
                   QStringLiteral("request 4 | cjson | /usr/lib/x86_64-linux-gnu/lua/5.1/cjson.so"),
               };
        QTest::newRow("with the built-ins")
            << twoVms << true
            << QStringList{
                   QStringLiteral("main 1 | _G | "),
                   QStringLiteral("main 1 | counter | /p/lua/counter.lua"),
                   QStringLiteral("main 1 | string | "),
                   QStringLiteral("request 4 | cjson | /usr/lib/x86_64-linux-gnu/lua/5.1/cjson.so"),
               };
        QTest::newRow("no VM") << QString() << true << QStringList{};
    }

    void setSnapshot()
    {
        QFETCH(QString, snapshot);
        QFETCH(bool, withBuiltins);
        QFETCH(QStringList, expected);
        ui::PackageModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setSnapshot(test::snapshotFrom(snapshot), withBuiltins);
        QCOMPARE(test::printModel(model), expected);
    }

    // The same modules again (a snapshot every tick) leave the model untouched.
    void unchangedSnapshotNoReset()
    {
        ui::PackageModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto snapshot = test::snapshotFrom(QStringLiteral("vm 1 main\nmodule m /p/m.lua\n"));
        model.setSnapshot(snapshot);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        model.setSnapshot(snapshot);
        QCOMPARE(resets.count(), 0);
        model.setSnapshot(test::snapshotFrom(QStringLiteral("vm 1 main\nmodule n /p/n.lua\n")));
        QCOMPARE(resets.count(), 1);
        QCOMPARE(test::printModel(model), QStringList{QStringLiteral("main 1 | n | /p/n.lua")});
    }
};

QTEST_GUILESS_MAIN(TestPackageModel)
#include "tst_packagemodel.moc"
