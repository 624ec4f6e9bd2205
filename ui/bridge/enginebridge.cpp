#include "ui/bridge/enginebridge.h"

#include "engine/debug/debugger.h"
#include "engine/engine.h"
#include "engine/trace/eventring.h"

#include <QCoreApplication>
#include <QPointer>
#include <QThread>

namespace restyscope::ui {

namespace {

constexpr int kDrainIntervalMs = 33;     // ~30 Hz
constexpr int kSnapshotIntervalMs = 100; // at most ~10 snapshots a second after events
constexpr std::size_t kMaxBatch = 8192;  // per drain; the rest waits for the next tick

} // namespace

EngineBridge::EngineBridge(QObject* parent) : DebugController(parent)
{
    qRegisterMetaType<engine::trace::Event>();
    qRegisterMetaType<engine::debug::Snapshot>();
    qRegisterMetaType<QVector<engine::trace::Event>>();
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
    auto engine = std::make_unique<engine::Engine>(options);
    std::string message;
    if (!engine->loadConfig(message) || !engine->start(message)) {
        error = QString::fromStdString(message);
        return false;
    }
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
    // Until run() starts, this thread is the engine thread: wire the ring and the debugger.
    m_ring = std::make_unique<engine::trace::EventRing>(1 << 16);
    engine->tracer().attach(m_ring.get());
    m_debugger = &engine->debugger();
    if (startPaused) {
        m_debugger->pause();
    }
    m_engine = std::move(engine);
    m_thread = std::thread([e = m_engine.get()] { e->run(); });
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
    m_engine->stop();
    if (m_thread.joinable()) {
        m_thread.join();
    }
    m_engine->tracer().detach(m_ring.get());
    m_debugger = nullptr;
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
