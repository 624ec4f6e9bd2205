#pragma once
// Design: what the widgets know of the engine: a few commands and the streams that come back
// (event batches, snapshots), all on the GUI thread. EngineBridge implements it over a real
// engine thread; a test can put a fake behind the same interface.

#include "engine/debug/snapshot.h"
#include "engine/trace/event.h"

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVector>

namespace restyscope::ui {

enum class CodeCacheMode { AsConfigured, On, Off };
enum class LineStepKind { Into, Over, Out };

// Where the engine stopped at a line (engine::debug::LineStop, in Qt terms).
struct LineStopInfo
{
    quint64 requestId = 0;
    quint32 coroutineId = 0;
    QString source; // the chunk's source: "@/abs/prefix/lua/x.lua"
    int line = 0;
    QString reason; // "breakpoint", "step", "error"
    QString error;  // reason "error": the message of the error the coroutine failed with
};

struct VariableItem
{
    QString name;
    QString type;
    QString value; // as the engine renders it
    QString path;  // an expression that reads it again (children of tables); may be empty
};

struct FrameItem
{
    int level = 0;
    QString source;
    int line = 0;
    QString name;
    QString what;
};

// One inspection of a line stop: the stack, one frame's variables, the request and the
// watch expressions evaluated in that frame.
struct Inspection
{
    int frame = 0;
    QVector<FrameItem> stack;
    QVector<VariableItem> locals;
    QVector<VariableItem> upvalues;
    QVector<VariableItem> request;
    QVector<VariableItem> watches; // one per expression: its first result or the error
};

struct BreakToggles
{
    bool newRequest = false;
    bool error = false;
    bool spawnKill = false;
    quint64 yieldReasons = 0; // bit i: trace::YieldReason i
};

class DebugController : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    virtual QString prefix() const = 0;
    virtual QString listenerUrl() const = 0; // "http://127.0.0.1:8080/"; empty when not serving
    // False while the listener was stopped (open connections are still served).
    virtual bool accepting() const { return !listenerUrl().isEmpty(); }
    // "restyscope/0.1.0 (LuaJIT 2.1...)"; empty when unknown.
    virtual QString engineVersion() const { return {}; }
    // Serves prefix (it has conf/nginx.conf): the running engine stops first. False with
    // nginx's wording of the error; the controller then serves nothing.
    virtual bool start(const QString& prefix, QString& error, bool startPaused = false)
    {
        Q_UNUSED(prefix);
        Q_UNUSED(startPaused);
        error = tr("this controller cannot start an engine");
        return false;
    }
    // Stops serving (File > Open trace shows a file with no engine running). The default has
    // nothing to stop.
    virtual void stop() {}

public Q_SLOTS:
    virtual void pause() = 0;
    virtual void cont() = 0;
    // Performs the held resume at index of the ready list (0: the head).
    virtual void step(int index = 0) = 0;
    virtual void reloadCode() = 0;
    virtual void setCodeCache(restyscope::ui::CodeCacheMode mode) = 0;
    // Stops or resumes accepting connections; answered by acceptingChanged (or
    // commandFailed with nginx's bind() wording). The default cannot do it.
    virtual void setAccepting(bool on)
    {
        Q_UNUSED(on);
        Q_EMIT commandFailed(tr("this controller cannot stop or start the listener"));
    }
    virtual void requestSnapshot() = 0;

    // Line breakpoints, file as "lua/x.lua" (matched against the end of the chunk path).
    virtual void setLineBreakpoint(const QString& file, int line, bool enabled) = 0;
    virtual void setBreakToggles(const restyscope::ui::BreakToggles& toggles) = 0;
    // Leaves a line stop: a line step, or run on (continue() also leaves a line stop).
    virtual void stepLine(restyscope::ui::LineStepKind kind) = 0;
    virtual void continueFromLine() = 0;
    // Asynchronous; answered by inspectionArrived while still stopped at that line.
    virtual void requestInspection(int frame, const QStringList& watches) = 0;
    // Asynchronous: the fields of the table expression evaluates to in frame (a local's or
    // upvalue's name, a watch, or a path built from them), answered by childrenArrived.
    // The default answers nothing (a controller that cannot inspect).
    virtual void requestChildren(int frame, const QString& expression)
    {
        Q_UNUSED(frame);
        Q_UNUSED(expression);
    }

Q_SIGNALS:
    void eventsArrived(const QVector<restyscope::engine::trace::Event>& events);
    void snapshotArrived(const restyscope::engine::debug::Snapshot& snapshot);
    void droppedEventsChanged(quint64 total);
    void commandFailed(const QString& message);
    void lineStopped(const restyscope::ui::LineStopInfo& stop);
    void lineResumed();
    void inspectionArrived(const restyscope::ui::Inspection& inspection);
    // One item per field: name is the key as Lua writes it in an index ("name", "1", "true"),
    // path the expression that reads it (empty when it cannot be indexed by a literal).
    void childrenArrived(int frame, const QString& expression,
                         const QVector<restyscope::ui::VariableItem>& children);
    // error.log lines as the engine wrote them (nginx's format), in order.
    void errorLogArrived(const QStringList& lines);
    void acceptingChanged(bool accepting);
};

} // namespace restyscope::ui

Q_DECLARE_METATYPE(restyscope::engine::trace::Event)
Q_DECLARE_METATYPE(restyscope::engine::debug::Snapshot)
Q_DECLARE_METATYPE(restyscope::ui::LineStopInfo)
Q_DECLARE_METATYPE(restyscope::ui::Inspection)
