#pragma once
// Design: what the widgets know of the engine: a few commands and the streams that come back
// (event batches, snapshots), all on the GUI thread. EngineBridge implements it over a real
// engine thread; a test can put a fake behind the same interface.

#include "engine/debug/snapshot.h"
#include "engine/trace/event.h"

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QVector>

namespace restyscope::ui {

enum class CodeCacheMode { AsConfigured, On, Off };

class DebugController : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    virtual QString prefix() const = 0;
    virtual QString listenerUrl() const = 0; // "http://127.0.0.1:8080/"; empty when not serving

public Q_SLOTS:
    virtual void pause() = 0;
    virtual void cont() = 0;
    // Performs the held resume at index of the ready list (0: the head).
    virtual void step(int index = 0) = 0;
    virtual void reloadCode() = 0;
    virtual void setCodeCache(restyscope::ui::CodeCacheMode mode) = 0;
    virtual void requestSnapshot() = 0;

Q_SIGNALS:
    void eventsArrived(const QVector<restyscope::engine::trace::Event>& events);
    void snapshotArrived(const restyscope::engine::debug::Snapshot& snapshot);
    void droppedEventsChanged(quint64 total);
    void commandFailed(const QString& message);
};

} // namespace restyscope::ui

Q_DECLARE_METATYPE(restyscope::engine::trace::Event)
Q_DECLARE_METATYPE(restyscope::engine::debug::Snapshot)
