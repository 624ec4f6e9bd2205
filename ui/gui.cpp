#include "ui/gui.h"

#include "ui/bridge/enginebridge.h"
#include "ui/views/mainwindow.h"
#include "ui/views/sourceview.h"

#include <QApplication>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QStandardPaths>

namespace restyscope::ui {

namespace {

// The bundled example: next to the build tree's binary (app/../../resources) or in the source.
QString bundledExample()
{
    const QString appDir = QCoreApplication::applicationDirPath();
    const QStringList candidates{
        appDir + QStringLiteral("/../share/restyscope/example"),
        appDir + QStringLiteral("/../resources/example"),
        appDir + QStringLiteral("/../../resources/example"),
        QStringLiteral(RESTYSCOPE_EXAMPLE_DIR),
    };
    for (const auto& dir : candidates) {
        if (QFile::exists(dir + QStringLiteral("/conf/nginx.conf"))) {
            return QDir(dir).absolutePath();
        }
    }
    return {};
}

bool copyTree(const QString& from, const QString& to)
{
    QDir().mkpath(to + QStringLiteral("/logs"));
    QDirIterator it(from, QDir::Files | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString source = it.next();
        const QString target = to + QLatin1Char('/') + QDir(from).relativeFilePath(source);
        QDir().mkpath(QFileInfo(target).absolutePath());
        if (!QFile::exists(target) && !QFile::copy(source, target)) {
            return false;
        }
        QFile(target).setPermissions(QFile(target).permissions() | QFileDevice::WriteOwner);
    }
    return true;
}

// A writable copy of the example, made on first run, so the user's edits persist.
QString defaultPrefix(QString& error)
{
    const QString target = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                           QStringLiteral("/example");
    if (QFile::exists(target + QStringLiteral("/conf/nginx.conf"))) {
        return target;
    }
    const QString source = bundledExample();
    if (source.isEmpty()) {
        error = QObject::tr("the bundled example prefix was not found");
        return {};
    }
    if (!copyTree(source, target)) {
        error = QObject::tr("cannot copy the example to %1").arg(target);
        return {};
    }
    return target;
}

} // namespace

int runGui(int argc, char** argv, const std::string& directory)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("restyscope"));
    QApplication::setApplicationName(QStringLiteral("restyscope"));

    QString error;
    const QString dir =
        directory.empty() ? defaultPrefix(error) : QString::fromStdString(directory);
    EngineBridge bridge;
    const bool startPaused = qEnvironmentVariableIntValue("RESTYSCOPE_START_PAUSED") == 1;
    MainWindow window(&bridge);
    if (error.isEmpty()) {
        window.openDirectory(dir, startPaused); // on failure the window says why and stays up
    } else {
        window.setEngineError(error);
    }
    // RESTYSCOPE_BREAKPOINTS="lua/x.lua:5,lua/y.lua:9": line breakpoints from the start.
    const auto breakpoints =
        qEnvironmentVariable("RESTYSCOPE_BREAKPOINTS").split(QLatin1Char(','), Qt::SkipEmptyParts);
    for (const auto& breakpoint : breakpoints) {
        const auto colon = breakpoint.lastIndexOf(QLatin1Char(':'));
        if (colon > 0) {
            window.sourcePane()->setBreakpoint(breakpoint.left(colon).trimmed(),
                                               breakpoint.mid(colon + 1).toInt(), true);
        }
    }
    window.show();
    window.activateWindow();
    return QApplication::exec();
}

} // namespace restyscope::ui
