// Loads every conf case in tests/conf/cases/ and compares what restyscope says with what
// nginx 1.22.1 said about the same files: the notices and warnings it printed, the error,
// and the exit status. The expectations in the case files were recorded from real nginx
// (`nginx -t`) by tests/conf/record-nginx.sh; re-run it to re-record.

#include "engine/conf/builder.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace restyscope::engine;

namespace {

struct ConfCase
{
    QList<QPair<QString, QByteArray>> files; // relative path -> content
    QStringList expected;                    // the recorded "=== nginx" section
};

ConfCase readCase(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        qFatal("cannot read %s", qPrintable(path));
    }
    ConfCase result;
    const QList<QByteArray> lines = file.readAll().split('\n');
    enum { Header, Files, Nginx } part = Header;
    bool noEol = false;
    QByteArray* content = nullptr;
    bool first = true;
    auto finishFile = [&] {
        if (content && !noEol && !first) {
            content->append('\n');
        }
    };
    for (int i = 0; i < lines.size(); ++i) {
        const QByteArray& line = lines.at(i);
        if (part == Nginx) {
            if (!line.isEmpty() || i + 1 < lines.size()) {
                result.expected << QString::fromUtf8(line);
            }
            continue;
        }
        if (line.startsWith("=== nginx")) {
            finishFile();
            part = Nginx;
            continue;
        }
        if (line.startsWith("=== file ")) {
            finishFile();
            const QList<QByteArray> words = line.mid(9).split(' ');
            noEol = words.size() > 1 && words.at(1) == "noeol";
            result.files.append({QString::fromUtf8(words.at(0)), QByteArray()});
            content = &result.files.last().second;
            first = true;
            part = Files;
            continue;
        }
        if (part == Files) {
            if (!first) {
                content->append('\n');
            }
            content->append(line);
            first = false;
        }
    }
    return result;
}

QString severity(conf::LogLevel level)
{
    return QStringLiteral("[%1] ").arg(QString::fromLatin1(conf::logLevelName(level).data()));
}

} // namespace

class TestBuilder : public QObject
{
    Q_OBJECT

private slots:
    void nginxCases_data()
    {
        QTest::addColumn<QString>("path");
        const QDir dir(QStringLiteral(RESTYSCOPE_SOURCE_DIR "/tests/conf/cases"));
        const QStringList names =
            dir.entryList({QStringLiteral("*.case")}, QDir::Files, QDir::Name);
        QVERIFY(names.size() > 100);
        for (const QString& name : names) {
            QTest::newRow(qPrintable(name.chopped(5))) << dir.filePath(name);
        }
    }

    void nginxCases()
    {
        QFETCH(QString, path);
        const ConfCase confCase = readCase(path);
        QVERIFY(!confCase.expected.isEmpty());

        QTemporaryDir prefix;
        QVERIFY(prefix.isValid());
        for (const auto& [relative, content] : confCase.files) {
            const QString file = prefix.filePath(relative);
            QVERIFY(QDir().mkpath(QFileInfo(file).path()));
            QFile out(file);
            QVERIFY(out.open(QIODevice::WriteOnly));
            out.write(content);
        }

        const conf::LoadResult result =
            conf::loadConfig(prefix.path().toStdString(), "conf/nginx.conf");

        // What nginx -t would print: everything at notice or above except restyscope's own
        // remarks, then the error, then the exit status.
        QStringList actual;
        for (const conf::ConfMessage& message : result.messages) {
            if (!message.ownNotice && message.level >= conf::LogLevel::Notice) {
                actual << severity(message.level) + QString::fromStdString(message.text);
            }
        }
        if (!result.config) {
            actual << severity(result.errorLevel) + QString::fromStdString(result.error);
        }
        actual << QStringLiteral("exit %1").arg(result.config ? 0 : 1);
        actual.replaceInStrings(prefix.path(), QStringLiteral("%PREFIX%"));

        QCOMPARE(actual.join(QLatin1Char('\n')), confCase.expected.join(QLatin1Char('\n')));
    }
};

QTEST_GUILESS_MAIN(TestBuilder)
#include "tst_builder.moc"
