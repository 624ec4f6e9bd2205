#pragma once
// Design: trace files (docs/trace-format.md) for the window: File > Open trace reads one
// back into event batches for the same views a live engine feeds (no engine runs), and
// File > Save trace writes the events the history holds. A bad line (a newer writer's kind,
// a file cut mid-line) is skipped and counted, so what could be read is still shown.

#include "engine/trace/event.h"

#include <QString>
#include <QVector>

#include <vector>

namespace restyscope::ui {

struct TraceReadResult
{
    QVector<engine::trace::Event> events;
    int badLines = 0;
    int cutAtLine = 0;  // the last line, when the file ends in the middle of it
    QString firstError; // "line 12: unknown kind \"x\""
    bool opened = false;
    // "" when everything was read; else what went wrong and what is shown anyway.
    QString message() const;
};

TraceReadResult readTraceFile(const QString& path);
// False with a message when the file cannot be written.
bool writeTraceFile(const QString& path, const std::vector<engine::trace::Event>& events,
                    QString& error);

} // namespace restyscope::ui
