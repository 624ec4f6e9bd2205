#pragma once
// One colour per yield reason, defined once: every view and the legend read it here.

#include "engine/trace/probes.h"

#include <QColor>
#include <QString>

namespace restyscope::ui {

QColor yieldReasonColor(engine::trace::YieldReason reason);
QString yieldReasonText(engine::trace::YieldReason reason);
QString coroutineTypeText(engine::trace::CoroutineType type);
QString eventKindText(engine::trace::EventKind kind);

} // namespace restyscope::ui
