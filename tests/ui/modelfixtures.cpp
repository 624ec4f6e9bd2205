#include "tests/ui/modelfixtures.h"

#include "ui/models/timelinemodel.h"

#include <QMap>
#include <QRegularExpression>

namespace restyscope::test {

using namespace engine;

namespace {

template <typename Enum, typename Names> Enum enumFromName(const Names& names, const QString& word)
{
    const QString wanted = QString(word).replace(QLatin1Char('-'), QLatin1Char(' '));
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (QString::fromUtf8(names[i].data(), static_cast<qsizetype>(names[i].size())) == wanted) {
            return static_cast<Enum>(i);
        }
    }
    qFatal("unknown name %s", qPrintable(word));
}

} // namespace

QStringList printModel(const QAbstractItemModel& model, int role, const QModelIndex& parent,
                       int depth)
{
    QStringList lines;
    for (int row = 0; row < model.rowCount(parent); ++row) {
        QStringList cells;
        for (int column = 0; column < model.columnCount(parent); ++column) {
            cells << model.index(row, column, parent).data(role).toString();
        }
        lines << QString(depth * 2, QLatin1Char(' ')) + cells.join(QStringLiteral(" | "));
        const QModelIndex child = model.index(row, 0, parent);
        lines << printModel(model, role, child, depth + 1);
    }
    return lines;
}

QStringList printTimeline(const QAbstractItemModel& model)
{
    static const QRegularExpression named(
        QStringLiteral("\\b(entry|user thread|user coroutine|timer) (\\d+)"));
    QMap<QString, int> numbers;
    QStringList out;
    for (QString line : printModel(model, ui::timelinemodel::ShapeRole)) {
        QString renumbered;
        qsizetype from = 0;
        auto it = named.globalMatch(line);
        while (it.hasNext()) {
            const auto match = it.next();
            const QString id = match.captured(2);
            if (!numbers.contains(id)) {
                numbers.insert(id, static_cast<int>(numbers.size()) + 1);
            }
            renumbered +=
                line.mid(from, match.capturedStart(2) - from) + QString::number(numbers.value(id));
            from = match.capturedEnd(2);
        }
        out << renumbered + line.mid(from);
    }
    return out;
}

QVector<QVector<trace::Event>> eventBatches(const QString& text)
{
    QVector<QVector<trace::Event>> batches(1);
    std::uint64_t seq = 0;
    for (const QString& raw : text.split(QLatin1Char('\n'))) {
        const QString line = raw.trimmed();
        if (line.isEmpty()) {
            continue;
        }
        if (line == QLatin1String("--")) {
            batches.append(QVector<trace::Event>());
            continue;
        }
        trace::Event event;
        event.seq = ++seq;
        const int textAt = line.indexOf(QLatin1String(" text="));
        const QString head = textAt < 0 ? line : line.left(textAt);
        if (textAt >= 0) {
            event.setText(line.mid(textAt + 6).toStdString());
        }
        const QStringList words = head.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        event.kind = enumFromName<trace::EventKind>(trace::kEventKindNames, words.front());
        for (const QString& word : words.mid(1)) {
            const QString key = word.section(QLatin1Char('='), 0, 0);
            const QString value = word.section(QLatin1Char('='), 1);
            if (key == QLatin1String("req")) {
                event.requestId = value.toULongLong();
            } else if (key == QLatin1String("co")) {
                event.coroutineId = value.toUInt();
            } else if (key == QLatin1String("parent")) {
                event.parentCoroutineId = value.toUInt();
            } else if (key == QLatin1String("vm")) {
                event.vmId = value.toUInt();
            } else if (key == QLatin1String("ms")) {
                event.timeNs = static_cast<std::int64_t>(value.toDouble() * 1e6);
            } else if (key == QLatin1String("value")) {
                event.value = value.toLongLong();
            } else if (key == QLatin1String("reason")) {
                event.reason = enumFromName<trace::YieldReason>(trace::kYieldReasonNames, value);
            } else {
                qFatal("unknown event key %s", qPrintable(key));
            }
        }
        batches.last().append(event);
    }
    return batches;
}

debug::Snapshot snapshotFrom(const QString& text)
{
    debug::Snapshot snapshot;
    for (const QString& raw : text.split(QLatin1Char('\n'))) {
        const QStringList w = raw.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        if (w.isEmpty()) {
            continue;
        }
        const QString& what = w.front();
        if (what == QLatin1String("paused")) {
            snapshot.paused = true;
        } else if (what == QLatin1String("request")) {
            debug::RequestInfo request;
            request.id = w.value(1).toULongLong();
            request.method = w.value(2).toStdString();
            request.uri = w.value(3).toStdString();
            request.phase = w.value(4).toStdString();
            request.vmId = w.value(5).toUInt();
            request.sharedVm = w.value(6) == QLatin1String("shared");
            snapshot.requests.push_back(request);
        } else if (what == QLatin1String("co")) {
            debug::CoroutineInfo co;
            co.id = w.value(1).toUInt();
            co.parentId = w.value(2).toUInt();
            const QString type = w.value(3);
            co.type = type == QLatin1String("entry")    ? trace::CoroutineType::Entry
                      : type == QLatin1String("thread") ? trace::CoroutineType::UserThread
                      : type == QLatin1String("timer")  ? trace::CoroutineType::Timer
                                                        : trace::CoroutineType::UserCoroutine;
            co.status = w.value(4).toStdString();
            co.reason = enumFromName<trace::YieldReason>(trace::kYieldReasonNames, w.value(5));
            co.resumes = w.value(6).toULongLong();
            co.waitingOn = w.mid(7).join(QLatin1Char(' ')).toStdString();
            snapshot.requests.back().coroutines.push_back(co);
        } else if (what == QLatin1String("posted")) {
            snapshot.requests.back().posted.push_back(w.value(1).toUInt());
        } else if (what == QLatin1String("ready")) {
            snapshot.ready.push_back({w.value(1).toULongLong(), w.value(2).toUInt()});
        } else if (what == QLatin1String("vm")) {
            debug::VmInfo vm;
            vm.id = w.value(1).toUInt();
            vm.main = w.value(2) == QLatin1String("main");
            snapshot.vms.push_back(vm);
        } else if (what == QLatin1String("cache")) {
            debug::CacheEntry entry;
            entry.key = w.value(1).toStdString();
            entry.ref = w.value(2).toInt();
            entry.chunkName = w.value(3).toStdString();
            entry.sourcePath = w.value(4).toStdString();
            entry.bytes = w.value(5).toULongLong();
            entry.hits = w.value(6).toULongLong();
            entry.changedOnDisk = w.value(7) == QLatin1String("changed");
            snapshot.vms.back().cache.push_back(entry);
        } else if (what == QLatin1String("module")) {
            snapshot.vms.back().packageLoaded.push_back(w.value(1).toStdString());
            snapshot.vms.back().packageFiles.push_back(w.value(2).toStdString());
        } else {
            qFatal("unknown snapshot line %s", qPrintable(raw));
        }
    }
    return snapshot;
}

} // namespace restyscope::test
