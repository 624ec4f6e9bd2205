#pragma once
// Model test helpers: fixtures from a tiny text form, and a model printed as a string list
// (one line per row, columns joined with " | ", children indented two spaces).

#include "engine/debug/snapshot.h"
#include "engine/trace/event.h"

#include <QAbstractItemModel>
#include <QStringList>
#include <QVector>

namespace restyscope::test {

// Rows of the model under parent, depth-first. role: what each cell prints.
QStringList printModel(const QAbstractItemModel& model, int role = Qt::DisplayRole,
                       const QModelIndex& parent = {}, int depth = 0);

// A Timeline model printed without times (timelinemodel::ShapeRole): lanes nested under
// their parents, "name | state | | | run, sleep [sleep 200 ms], run", coroutine ids renumbered
// by first appearance so runs compare.
QStringList printTimeline(const QAbstractItemModel& model);

// Events, one a line: "KIND key=value ... [text=rest of line]"; KIND is the event name with
// '-' for spaces ("request-begin"); keys: req, co, parent, vm, ms (time), value, reason
// ("thread-wait"). Seq numbers count from 1. Batches are separated by a line "--".
QVector<QVector<engine::trace::Event>> eventBatches(const QString& text);

// A snapshot, one item a line:
//   paused
//   request ID METHOD URI PHASE VMID shared|own
//   co ID PARENT TYPE STATUS REASON RESUMES [WAITING ON...]  (to the last request)
//      TYPE: entry|thread|coroutine|timer; REASON: none or a name with '-' for spaces
//   posted CO                                                (to the last request)
//   ready REQ CO
//   vm ID main|request
//   cache KEY REF CHUNK FILE BYTES HITS [changed]           (to the last vm)
//   module NAME [FILE]                                       (package.loaded of the last vm)
engine::debug::Snapshot snapshotFrom(const QString& text);

} // namespace restyscope::test
