#include "ui/bridge/tracefiles.h"

#include "engine/debug/json.h"
#include "engine/debug/tracefile.h"

#include <QFile>
#include <QObject>
#include <QSaveFile>

namespace restyscope::ui {

QString TraceReadResult::message() const
{
    if (!opened) {
        return firstError;
    }
    if (badLines == 0) {
        return {};
    }
    QString why = firstError;
    if (cutAtLine > 0 && !firstError.startsWith(QObject::tr("line %1:").arg(cutAtLine))) {
        why += QObject::tr("; the file ends in the middle of line %1").arg(cutAtLine);
    }
    return (badLines == 1
                ? QObject::tr("1 line could not be read (%1); ").arg(why)
                : QObject::tr("%1 lines could not be read (%2); ").arg(badLines).arg(why)) +
           QObject::tr("showing the %1 events that could.").arg(events.size());
}

TraceReadResult readTraceFile(const QString& path)
{
    TraceReadResult result;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        result.firstError = QObject::tr("cannot open %1: %2").arg(path, file.errorString());
        return result;
    }
    result.opened = true;
    int number = 0;
    while (!file.atEnd()) {
        QByteArray line = file.readLine();
        ++number;
        const bool complete = line.endsWith('\n');
        while (line.endsWith('\n') || line.endsWith('\r')) {
            line.chop(1);
        }
        if (line.isEmpty()) {
            continue;
        }
        engine::trace::Event event;
        std::string error;
        if (!engine::debug::parseTraceLine(line.toStdString(), event, error)) {
            if (!complete) {
                result.cutAtLine = number;
            }
            if (result.badLines++ == 0) {
                result.firstError =
                    QObject::tr("line %1: %2%3")
                        .arg(number)
                        .arg(QString::fromStdString(error),
                             complete ? QString()
                                      : QObject::tr(" (the file ends in the middle of it)"));
            }
            continue;
        }
        result.events.append(event);
    }
    return result;
}

bool writeTraceFile(const QString& path, const std::vector<engine::trace::Event>& events,
                    QString& error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        error = file.errorString();
        return false;
    }
    std::string text;
    for (std::size_t i = 0; i < events.size(); ++i) {
        engine::debug::appendJson(text, events[i]);
        text.push_back('\n');
        if (text.size() > (1 << 20) || i + 1 == events.size()) {
            file.write(text.data(), static_cast<qint64>(text.size()));
            text.clear();
        }
    }
    if (!file.commit()) {
        error = file.errorString();
        return false;
    }
    return true;
}

} // namespace restyscope::ui
