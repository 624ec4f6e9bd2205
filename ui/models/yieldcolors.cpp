#include "ui/models/yieldcolors.h"

namespace restyscope::ui {

using engine::trace::YieldReason;

QColor yieldReasonColor(YieldReason reason)
{
    // Hues far apart for the reasons seen most (sleep, thread wait, coroutine resume/yield);
    // None has no colour so running code does not look like waiting code.
    switch (reason) {
    case YieldReason::None: return {};
    case YieldReason::Sleep: return QColor(0x1f, 0x77, 0xb4);
    case YieldReason::ThreadSpawn: return QColor(0x2c, 0xa0, 0x2c);
    case YieldReason::ThreadWait: return QColor(0xff, 0x7f, 0x0e);
    case YieldReason::CoroutineResume: return QColor(0x94, 0x67, 0xbd);
    case YieldReason::CoroutineYield: return QColor(0xe3, 0x77, 0xc2);
    case YieldReason::Socket: return QColor(0x17, 0xbe, 0xcf);
    case YieldReason::RequestBody: return QColor(0x8c, 0x56, 0x4b);
    case YieldReason::Flush: return QColor(0xbc, 0xbd, 0x22);
    case YieldReason::Exit: return QColor(0xd6, 0x27, 0x28);
    case YieldReason::Exec: return QColor(0xad, 0x49, 0x4a);
    case YieldReason::Redirect: return QColor(0x7b, 0x41, 0x73);
    case YieldReason::Subrequest: return QColor(0x39, 0x3b, 0x79);
    case YieldReason::Semaphore: return QColor(0x63, 0x79, 0x39);
    }
    return {};
}

QString yieldReasonText(YieldReason reason)
{
    if (reason == YieldReason::None) {
        return {};
    }
    const auto name = engine::trace::yieldReasonName(reason);
    return QString::fromUtf8(name.data(), static_cast<qsizetype>(name.size()));
}

QString coroutineTypeText(engine::trace::CoroutineType type)
{
    const auto name = engine::trace::coroutineTypeName(type);
    return QString::fromUtf8(name.data(), static_cast<qsizetype>(name.size()));
}

QString eventKindText(engine::trace::EventKind kind)
{
    const auto name = engine::trace::eventKindName(kind);
    return QString::fromUtf8(name.data(), static_cast<qsizetype>(name.size()));
}

} // namespace restyscope::ui
