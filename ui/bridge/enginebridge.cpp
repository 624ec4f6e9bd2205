#include "ui/bridge/enginebridge.h"

#include "engine/debug/debugger.h"
#include "engine/engine.h"
#include "engine/trace/eventring.h"

#include <QCoreApplication>
#include <QPointer>
#include <QRegularExpression>
#include <QThread>

#include <algorithm>
#include <future>

namespace restyscope::ui {

namespace {

constexpr int kDrainIntervalMs = 33;      // ~30 Hz
constexpr int kSnapshotIntervalMs = 100;  // at most ~10 snapshots a second after events
constexpr std::size_t kMaxBatch = 8192;   // per drain; the rest waits for the next tick
constexpr int kMaxPendingLogLines = 4096; // error.log lines kept between two drains

// The fields of a table as alternating key, value results; at most 500 of them.
const char* const kChildrenSnippet =
    "(function(t) if type(t) ~= 'table' then return end "
    "local out, n = {}, 0 for k, v in pairs(t) do n = n + 1 if n > 500 then break end "
    "out[#out + 1] = k out[#out + 1] = v end return unpack(out) end)";

// An index for key as Lua source ("x y" -> ["x y"], 1 -> [1], true -> [true]); empty when the
// key is not a literal (a table key).
QString indexFor(const engine::debug::VariableInfo& key)
{
    const QString value = QString::fromStdString(key.value);
    if (key.type == "string") {
        // The engine quotes without escaping and cuts long strings: only plain keys index.
        const QString bare = value.mid(1, value.size() - 2);
        static const QRegularExpression plain(QStringLiteral("^[^\\\\\"\\n\\r]{0,200}$"));
        return value.endsWith(QLatin1String("...\"")) || !plain.match(bare).hasMatch()
                   ? QString()
                   : QStringLiteral("[\"") + bare + QStringLiteral("\"]");
    }
    if (key.type == "number" || key.type == "boolean") {
        return QLatin1Char('[') + value + QLatin1Char(']');
    }
    return {};
}

QVector<VariableItem> toItems(const std::vector<engine::debug::VariableInfo>& vars)
{
    QVector<VariableItem> items;
    items.reserve(static_cast<int>(vars.size()));
    for (const auto& v : vars) {
        const QString name = QString::fromStdString(v.name);
        items.push_back(
            {name, QString::fromStdString(v.type), QString::fromStdString(v.value), name});
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
    options.nextFreePort = true;
    {
        const std::lock_guard lock(m_logMutex);
        m_logLines.clear();
    }
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
        engine->setErrorLogObserver([this](std::string_view line) {
            const std::lock_guard lock(m_logMutex);
            if (m_logLines.size() >= kMaxPendingLogLines) {
                m_logLines.removeFirst();
            }
            m_logLines.append(QString::fromUtf8(line.data(), static_cast<qsizetype>(line.size())));
        });
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
            LineStopInfo info{stop.requestId,
                              stop.coroutineId,
                              QString::fromStdString(stop.source),
                              stop.line,
                              QString::fromStdString(stop.reason),
                              QString::fromStdString(stop.error)};
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
        m_url.clear();
        m_prefix = prefix;
        error = QString::fromStdString(message);
        return false;
    }
    m_dropped = 0;
    m_accepting = true;
    m_drainTimer.start();
    requestSnapshot();
    return true;
}

QString EngineBridge::engineVersion() const
{
    return QString::fromStdString(engine::Engine::versionText());
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
    m_url.clear();
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
    QStringList lines;
    {
        const std::lock_guard lock(m_logMutex);
        lines.swap(m_logLines);
    }
    if (!lines.isEmpty()) {
        Q_EMIT errorLogArrived(lines);
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

void EngineBridge::setAccepting(bool on)
{
    auto* engine = m_engine.get();
    if (!engine) {
        Q_EMIT commandFailed(tr("no engine is running"));
        return;
    }
    QPointer<EngineBridge> self(this);
    submit([engine, self, on] {
        std::string error;
        const bool ok = engine->setAccepting(on, error);
        queueToGui(self, [ok, on, message = QString::fromStdString(error)](EngineBridge& bridge) {
            bridge.m_accepting = on && ok;
            if (!ok) {
                Q_EMIT bridge.commandFailed(message);
            }
            Q_EMIT bridge.acceptingChanged(bridge.m_accepting);
        });
    });
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
                    {name, QStringLiteral("error"), QString::fromStdString(error), QString()});
            } else if (vars.empty()) {
                result.watches.push_back(
                    {name, QStringLiteral("nil"), QStringLiteral("nil"), QString()});
            } else {
                result.watches.push_back({name, QString::fromStdString(vars.front().type),
                                          QString::fromStdString(vars.front().value),
                                          QLatin1Char('(') + name + QLatin1Char(')')});
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

namespace restyscope::ui {

void EngineBridge::requestChildren(int frame, const QString& expression)
{
    auto* debugger = m_debugger;
    QPointer<EngineBridge> self(this);
    // Through eval in the frame's scope: the expression reads locals and upvalues by name.
    std::string code = std::string(kChildrenSnippet) + "(" + expression.toStdString() + ")";
    submit([debugger, frame, expression, code = std::move(code), self] {
        if (!debugger->lineStop()) {
            return;
        }
        std::vector<engine::debug::VariableInfo> results;
        std::string error;
        QVector<VariableItem> children;
        if (!debugger->eval(frame, code, results, error)) {
            children.push_back({QStringLiteral("(error)"), QStringLiteral("error"),
                                QString::fromStdString(error), QString()});
        }
        // Array part first in index order, then named fields by name, then the rest.
        std::vector<std::size_t> order;
        for (std::size_t i = 0; i + 1 < results.size(); i += 2) {
            order.push_back(i);
        }
        auto rank = [&](std::size_t i) {
            const auto& key = results[i];
            return key.type == "number" ? 0 : key.type == "string" ? 1 : 2;
        };
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            if (rank(a) != rank(b)) {
                return rank(a) < rank(b);
            }
            if (rank(a) == 0) {
                return std::stod(results[a].value) < std::stod(results[b].value);
            }
            return results[a].value < results[b].value;
        });
        for (const std::size_t i : order) {
            const auto& key = results[i];
            const auto& value = results[i + 1];
            const QString index = indexFor(key);
            QString name = QString::fromStdString(key.value);
            if (key.type == "string" && name.size() >= 2) {
                name = name.mid(1, name.size() - 2);
            } else {
                name = QLatin1Char('[') + name + QLatin1Char(']');
            }
            children.push_back({name, QString::fromStdString(value.type),
                                QString::fromStdString(value.value),
                                index.isEmpty() ? QString() : expression + index});
        }
        queueToGui(self, [frame, expression, children = std::move(children)](EngineBridge& bridge) {
            if (bridge.m_atLine) {
                Q_EMIT bridge.childrenArrived(frame, expression, children);
            }
        });
    });
}

} // namespace restyscope::ui
