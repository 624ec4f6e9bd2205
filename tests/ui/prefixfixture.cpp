#include "tests/ui/prefixfixture.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

namespace restyscope::test {

void writeFile(const QString& path, const QString& text)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    QVERIFY2(file.open(QIODevice::WriteOnly | QIODevice::Truncate), qPrintable(path));
    file.write(text.toUtf8());
}

QString serverConf(quint16 port, const QString& locations)
{
    return QStringLiteral("error_log logs/error.log info;\nevents {}\nhttp {\n"
                          "  server { listen 127.0.0.1:%1;\n")
               .arg(port) +
           locations + QStringLiteral("  }\n}\n");
}

void writeServerPrefix(const QTemporaryDir& prefix, quint16 port, const QString& locations,
                       const QMap<QString, QString>& files)
{
    writeFile(prefix.filePath(QStringLiteral("conf/nginx.conf")), serverConf(port, locations));
    for (auto it = files.cbegin(); it != files.cend(); ++it) {
        writeFile(prefix.filePath(it.key()), it.value());
    }
    QDir(prefix.path()).mkpath(QStringLiteral("logs"));
}

} // namespace restyscope::test
