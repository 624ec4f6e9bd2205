// ErrorLogModel: error.log lines in nginx's format, appended per batch into a bounded list,
// coloured by level.

#include "tests/ui/modelfixtures.h"
#include "ui/models/errorlogmodel.h"

#include <QAbstractItemModelTester>
#include <QBrush>
#include <QtTest>

using namespace restyscope;

namespace {

const QString kError = QStringLiteral(
    "2026/11/27 10:15:44 [error] 7#7: *3 lua entry thread aborted: runtime error: x");
const QString kNotice = QStringLiteral("2026/11/27 10:15:40 [notice] 7#7: restyscope/0.1.0");
const QString kWarn = QStringLiteral("2026/11/27 10:15:41 [warn] 7#7: *1 a warning");

} // namespace

class TestErrorLogModel : public QObject
{
    Q_OBJECT

private slots:
    void appendLines_data()
    {
        QTest::addColumn<QVector<QStringList>>("batches");
        QTest::addColumn<int>("capacity");
        QTest::addColumn<QStringList>("expected");
        QTest::addColumn<quint64>("dropped");

        QTest::newRow("in order") << QVector<QStringList>{{kNotice, kWarn}, {kError}} << 10
                                  << QStringList{kNotice, kWarn, kError} << quint64(0);
        QTest::newRow("bounded: the newest stay")
            << QVector<QStringList>{{kNotice, kWarn}, {kError, kNotice, kWarn}} << 2
            << QStringList{kNotice, kWarn} << quint64(3);
        QTest::newRow("one batch larger than the capacity")
            << QVector<QStringList>{{kNotice, kWarn, kError}} << 1 << QStringList{kError}
            << quint64(2);
    }

    void appendLines()
    {
        QFETCH(QVector<QStringList>, batches);
        QFETCH(int, capacity);
        QFETCH(QStringList, expected);
        QFETCH(quint64, dropped);
        ui::ErrorLogModel model(nullptr, capacity);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        for (const auto& batch : batches) {
            model.appendLines(batch);
        }
        QCOMPARE(test::printModel(model), expected);
        QCOMPARE(model.droppedCount(), dropped);
        model.clear();
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.droppedCount(), quint64(0));
    }

    void levels_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<QString>("level");
        QTest::addColumn<bool>("coloured");
        QTest::newRow("error") << kError << QStringLiteral("error") << true;
        QTest::newRow("warn") << kWarn << QStringLiteral("warn") << true;
        QTest::newRow("notice") << kNotice << QStringLiteral("notice") << false;
        QTest::newRow("no stamp") << QStringLiteral("[error] x") << QString() << false;
    }

    void levels()
    {
        QFETCH(QString, line);
        QFETCH(QString, level);
        QFETCH(bool, coloured);
        QCOMPARE(ui::ErrorLogModel::levelOf(line), level);
        ui::ErrorLogModel model;
        model.appendLines({line});
        QCOMPARE(model.index(0, 0).data(Qt::ForegroundRole).isValid(), coloured);
    }
};

QTEST_GUILESS_MAIN(TestErrorLogModel)
#include "tst_errorlogmodel.moc"
