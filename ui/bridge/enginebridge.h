#pragma once
// Design: renderdoc's threading. One std::thread owns the engine and runs its loop; the GUI
// thread only hands it closures (Engine::post, Debugger::submit) and never touches a
// lua_State. Probe events cross in an EventRing drained at ~30 Hz; snapshots are built on the
// engine thread and sent back as values, queued to the GUI thread and dropped when the
// bridge is gone (QPointer). Snapshot requests coalesce: at most one in flight, and at most
// ~10 per second after events.

#include "ui/bridge/debugcontroller.h"

#include <QPointer>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace restyscope::engine {
class Engine;
namespace trace {
class EventRing;
}
namespace debug {
class Debugger;
}
} // namespace restyscope::engine

namespace restyscope::ui {

class EngineBridge final : public DebugController
{
    Q_OBJECT
public:
    explicit EngineBridge(QObject* parent = nullptr);
    ~EngineBridge() override;

    // GUI thread. Loads prefix/conf/nginx.conf, binds the listeners and starts the engine
    // thread; false with nginx's wording of the error. startPaused holds the first resume.
    bool start(const QString& prefix, QString& error, bool startPaused = false) override;
    // GUI thread. Stops the loop and joins the engine thread; events not yet drained are lost.
    void stop() override;
    bool isRunning() const { return m_engine != nullptr; }
    QStringList configNotices() const { return m_notices; }

    QString prefix() const override { return m_prefix; }
    QString listenerUrl() const override { return m_url; }
    bool accepting() const override { return m_accepting && !m_url.isEmpty(); }
    QString engineVersion() const override;
    quint64 droppedEvents() const { return m_dropped; }

    void pause() override;
    void cont() override;
    void step(int index = 0) override;
    void reloadCode() override;
    void setAccepting(bool on) override;
    void setCodeCache(CodeCacheMode mode) override;
    void requestSnapshot() override;
    void setLineBreakpoint(const QString& file, int line, bool enabled) override;
    void setBreakToggles(const BreakToggles& toggles) override;
    void stepLine(LineStepKind kind) override;
    void continueFromLine() override;
    void requestInspection(int frame, const QStringList& watches) override;
    void requestChildren(int frame, const QString& expression) override;
    // True between lineStopped and lineResumed (GUI thread view).
    bool stoppedAtLine() const { return m_atLine; }

private:
    void drain();
    void onSnapshot(const engine::debug::Snapshot& snapshot);
    // Runs f on the engine thread (inside a line stop too).
    void submit(std::function<void()> f);
    void leaveLine(std::optional<int> step);
    // Runs f on the GUI thread later, unless the bridge is gone by then.
    static void queueToGui(const QPointer<EngineBridge>& self,
                           std::function<void(EngineBridge&)> f);

    std::unique_ptr<engine::Engine> m_engine;
    engine::debug::Debugger* m_debugger = nullptr;
    std::unique_ptr<engine::trace::EventRing> m_ring;
    std::thread m_thread;
    QTimer m_drainTimer;
    QTimer m_snapshotTimer;
    bool m_snapshotInFlight = false;
    bool m_snapshotAgain = false;
    quint64 m_dropped = 0;
    QString m_prefix;
    QString m_url;
    bool m_accepting = true;
    QStringList m_notices;
    bool m_atLine = false;
    std::atomic<bool> m_finished{false}; // the engine thread's loop has returned
    // error.log lines from the engine thread, taken on the drain timer; bounded like the ring.
    std::mutex m_logMutex;
    QStringList m_logLines;
};

} // namespace restyscope::ui
