#include "ui/bridge/enginebridge.h"

#include "engine/debug/debugger.h"
#include "engine/engine.h"
#include "engine/trace/eventring.h"

#include <QCoreApplication>
#include <QPointer>
#include <QThread>

#include <future>

namespace restyscope::ui {

namespace {

constexpr int kDrainIntervalMs = 33;     // ~30 Hz
constexpr int kSnapshotIntervalMs = 100; // at most ~10 snapshots a second after events
constexpr std::size_t kMaxBatch = 8192;  // per drain; the rest waits for the next tick

QVector<VariableItem> toItems(const std::vector<engine::debug::VariableInfo>& vars)
{
    QVector<VariableItem> items;
    items.reserve(static_cast<int>(vars.size()));
    for (const auto& v : vars) {
        items.push_back({QString::fromStdString(v.name), QString::fromStdString(v.type),
                         QString::fromStdString(v.value)});
    }
    return items;
}

} // namespace

EngineBridge::EngineBridge(QObject* parent) : DebugController(parent)
{
    qRegisterMetaType<engine::trace::Event>();
    qRegisterMetaType<engine::debug::Snapshot>();
    qRegisterMetaType<QVector<engine::trace::Event>>();
    qRegisterMetaType<LineStopInfo>();
    qRegisterMetaType<Inspection>();
    m_drainTimer.setInterval(kDrainIntervalMs);
    connect(&m_drainTimer, &QTimer::timeout, this, &EngineBridge::drain);
    m_snapshotTimer.setSingleShot(true);
    m_snapshotTimer.setInterval(kSnapshotIntervalMs);
    connect(&m_snapshotTimer, &QTimer::timeout, this, &EngineBridge::requestSnapshot);
}

EngineBridge::~EngineBridge()
{
    stop();
}

bool EngineBridge::start(const QString& prefix, QString& error, bool startPaused)
{
    Q_ASSERT(QThread::currentThread() == thread());
    stop();
    engine::EngineOptions options;
    options.prefix = prefix.toStdString();
    if (!options.prefix.empty() && options.prefix.back() != '/') {
        options.prefix += '/';
    }
    options.logToStderr = false;
    options.handleSignals = false;
    m_ring = std::make_unique<engine::trace::EventRing>(1 << 16);
    m_atLine = false;
    m_finished = false;
    // The engine is built on its own thread: the debugger's line hook finds it through a
    // thread-local set when it is constructed. This thread waits until it is serving.
    std::promise<std::string> started;
    auto ready = started.get_future();
    m_thread = std::thread([this, options, startPaused, &started,
                            self = QPointer<EngineBridge>(this)] {
        auto engine = std::make_unique<engine::Engine>(options);
        std::string message;
        if (!engine->loadConfig(message) || !engine->start(message)) {
            started.set_value(message.empty() ? std::string("engine failed to start") : message);
            return;
        }
        engine->tracer().attach(m_ring.get());
        auto* debugger = &engine->debugger();
        if (startPaused) {
            debugger->pause();
        }
        // The observer runs on the engine thread, inside the stop: it only queues a value.
        debugger->setLineStopObserver([self](const engine::debug::LineStop& stop) {
            LineStopInfo info{stop.requestId, stop.coroutineId, QString::fromStdString(stop.source),
                              stop.line, QString::fromStdString(stop.reason)};
            queueToGui(self, [info](EngineBridge& bridge) {
                bridge.m_atLine = true;
                Q_EMIT bridge.lineStopped(info);
            });
        });
        // Read while the GUI thread waits below, before the loop runs.
        m_prefix = QString::fromStdString(engine->prefix());
        m_notices.clear();
        for (const auto& notice : engine->configNotices()) {
            m_notices << QString::fromStdString(notice);
        }
        const auto endpoints = engine->listening();
        m_url = endpoints.empty() ? QString()
                                  : QStringLiteral("http://%1:%2/")
                                        .arg(QString::fromStdString(endpoints.front().address))
                                        .arg(endpoints.front().port);
        m_engine = std::move(engine);
        m_debugger = debugger;
        auto* e = m_engine.get();
        started.set_value({});
        e->run();
        m_finished = true;
    });
    const std::string message = ready.get();
    if (!message.empty()) {
        m_thread.join();
        m_ring.reset();
        error = QString::fromStdString(message);
        return false;
    }
    m_dropped = 0;
    m_drainTimer.start();
    requestSnapshot();
    return true;
}

void EngineBridge::stop()
{
    if (!m_engine) {
        return;
    }
    m_drainTimer.stop();
    m_snapshotTimer.stop();
    // A line stop blocks the engine thread inside the hook, where the posted shutdown cannot
    // run: release it (and drop the breakpoints, so it does not stop again) until it ends.
    auto* debugger = m_debugger;
    auto release = [debugger] {
        for (const auto& breakpoint : debugger->lineBreakpoints()) {
            debugger->clearLineBreakpoint(breakpoint);
        }
        if (debugger->lineStop()) {
            debugger->resumeFromLine(std::nullopt);
        }
    };
    submit(release);
    m_engine->stop();
    while (!m_finished.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        submit(release);
    }
    if (m_thread.joinable()) {
        m_thread.join();
    }
    m_engine->tracer().detach(m_ring.get());
    m_debugger = nullptr;
    m_atLine = false;
    m_engine.reset();
    m_ring.reset();
    m_snapshotInFlight = false;
    m_snapshotAgain = false;
}

void EngineBridge::drain()
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (!m_ring) {
        return;
    }
    std::vector<engine::trace::Event> batch;
    if (m_ring->drain(batch, kMaxBatch) > 0) {
        Q_EMIT eventsArrived(QVector<engine::trace::Event>(batch.cbegin(), batch.cend()));
        if (!m_snapshotTimer.isActive()) {
            m_snapshotTimer.start();
        }
    }
    const quint64 dropped = m_ring->droppedTotal();
    if (dropped != m_dropped) {
        m_dropped = dropped;
        Q_EMIT droppedEventsChanged(dropped);
    }
}

void EngineBridge::submit(std::function<void()> f)
{
    if (m_debugger) {
        m_debugger->submit(std::move(f));
    }
}

void EngineBridge::requestSnapshot()
{
    if (!m_engine) {
        return;
    }
    if (m_snapshotInFlight) {
        m_snapshotAgain = true; // a newer request replaces any further queued ones
        return;
    }
    m_snapshotInFlight = true;
    QPointer<EngineBridge> self(this);
    auto* debugger = m_debugger;
    submit([self, debugger] {
        auto snapshot = debugger->snapshot();
        // The bridge joins this thread before it dies, but a result may still be queued
        // when it goes: the QPointer drops it then.
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, snapshot = std::move(snapshot)] {
                if (self) {
                    self->onSnapshot(snapshot);
                }
            },
            Qt::QueuedConnection);
    });
}

void EngineBridge::onSnapshot(const engine::debug::Snapshot& snapshot)
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_snapshotInFlight = false;
    if (!m_engine) {
        return;
    }
    Q_EMIT snapshotArrived(snapshot);
    if (m_snapshotAgain) {
        m_snapshotAgain = false;
        requestSnapshot();
    }
}

void EngineBridge::pause()
{
    auto* debugger = m_debugger;
    submit([debugger] { debugger->pause(); });
    requestSnapshot();
}

void EngineBridge::cont()
{
    auto* debugger = m_debugger;
    submit([debugger] { debugger->cont(); });
    requestSnapshot();
}

void EngineBridge::step(int index)
{
    auto* debugger = m_debugger;
    QPointer<EngineBridge> self(this);
    submit([debugger, index, self] {
        if (!debugger->step(static_cast<std::size_t>(index))) {
            QMetaObject::invokeMethod(
                QCoreApplication::instance(),
                [self] {
                    if (self) {
                        Q_EMIT self->commandFailed(tr("nothing to step: the ready list is empty"));
                    }
                },
                Qt::QueuedConnection);
        }
    });
    requestSnapshot();
}

void EngineBridge::reloadCode()
{
    auto* engine = m_engine.get();
    QPointer<EngineBridge> self(this);
    submit([engine, self] {
        std::string error;
        if (!engine->reloadCode(error)) {
            QMetaObject::invokeMethod(
                QCoreApplication::instance(),
                [self, message = QString::fromStdString(error)] {
                    if (self) {
                        Q_EMIT self->commandFailed(message);
                    }
                },
                Qt::QueuedConnection);
        }
    });
    requestSnapshot();
}

void EngineBridge::setCodeCache(CodeCacheMode mode)
{
    auto* engine = m_engine.get();
    std::optional<bool> enabled;
    if (mode != CodeCacheMode::AsConfigured) {
        enabled = mode == CodeCacheMode::On;
    }
    submit([engine, enabled] { engine->setCodeCacheOverride(enabled); });
    requestSnapshot();
}

} // namespace restyscope::ui

namespace restyscope::ui {

void EngineBridge::queueToGui(const QPointer<EngineBridge>& self,
                              std::function<void(EngineBridge&)> f)
{
    QMetaObject::invokeMethod(
        QCoreApplication::instance(),
        [self, f = std::move(f)] {
            if (self) {
                f(*self);
            }
        },
        Qt::QueuedConnection);
}

void EngineBridge::setLineBreakpoint(const QString& file, int line, bool enabled)
{
    auto* debugger = m_debugger;
    const engine::debug::LineBreakpoint breakpoint{file.toStdString(), line};
    submit([debugger, breakpoint, enabled] {
        if (enabled) {
            debugger->setLineBreakpoint(breakpoint);
        } else {
            debugger->clearLineBreakpoint(breakpoint);
        }
    });
}

void EngineBridge::setBreakToggles(const BreakToggles& toggles)
{
    auto* debugger = m_debugger;
    submit([debugger, toggles] {
        auto conditions = debugger->breakConditions();
        conditions.newRequest = toggles.newRequest;
        conditions.error = toggles.error;
        conditions.spawnKill = toggles.spawnKill;
        conditions.yieldReasons = toggles.yieldReasons;
        debugger->setBreakConditions(conditions);
    });
}

void EngineBridge::leaveLine(std::optional<int> step)
{
    auto* debugger = m_debugger;
    QPointer<EngineBridge> self(this);
    submit([debugger, step, self] {
        if (!debugger->lineStop()) {
            return;
        }
        // Queued before the engine runs on, so lineResumed precedes the next lineStopped.
        queueToGui(self, [](EngineBridge& bridge) {
            bridge.m_atLine = false;
            Q_EMIT bridge.lineResumed();
        });
        std::optional<engine::debug::LineStep> lineStep;
        if (step) {
            lineStep = static_cast<engine::debug::LineStep>(*step);
        }
        debugger->resumeFromLine(lineStep);
    });
    requestSnapshot();
}

void EngineBridge::stepLine(LineStepKind kind)
{
    static_assert(static_cast<int>(LineStepKind::Over) ==
                  static_cast<int>(engine::debug::LineStep::Over));
    static_assert(static_cast<int>(LineStepKind::Out) ==
                  static_cast<int>(engine::debug::LineStep::Out));
    leaveLine(static_cast<int>(kind));
}

void EngineBridge::continueFromLine()
{
    leaveLine(std::nullopt);
}

void EngineBridge::requestInspection(int frame, const QStringList& watches)
{
    auto* debugger = m_debugger;
    QPointer<EngineBridge> self(this);
    std::vector<std::string> expressions;
    for (const auto& w : watches) {
        expressions.push_back(w.toStdString());
    }
    submit([debugger, frame, expressions, self] {
        if (!debugger->lineStop()) {
            return; // the stop is gone: nothing to inspect
        }
        Inspection result;
        result.frame = frame;
        for (const auto& f : debugger->stack()) {
            result.stack.push_back({f.level, QString::fromStdString(f.source), f.line,
                                    QString::fromStdString(f.name),
                                    QString::fromStdString(f.what)});
        }
        std::vector<engine::debug::VariableInfo> vars;
        debugger->locals(frame, vars);
        result.locals = toItems(vars);
        vars.clear();
        debugger->upvalues(frame, vars);
        result.upvalues = toItems(vars);
        vars.clear();
        debugger->requestView(vars);
        result.request = toItems(vars);
        for (const auto& expression : expressions) {
            vars.clear();
            std::string error;
            const QString name = QString::fromStdString(expression);
            if (!debugger->eval(frame, expression, vars, error)) {
                result.watches.push_back(
                    {name, QStringLiteral("error"), QString::fromStdString(error)});
            } else if (vars.empty()) {
                result.watches.push_back({name, QStringLiteral("nil"), QStringLiteral("nil")});
            } else {
                result.watches.push_back({name, QString::fromStdString(vars.front().type),
                                          QString::fromStdString(vars.front().value)});
            }
        }
        queueToGui(self, [result = std::move(result)](EngineBridge& bridge) {
            if (bridge.m_atLine) {
                Q_EMIT bridge.inspectionArrived(result);
            }
        });
    });
}

} // namespace restyscope::ui
