#include "ui/views/timelineview.h"

#include "ui/models/timelinemodel.h"
#include "ui/models/yieldcolors.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QSlider>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace restyscope::ui {

namespace {

const QColor kRunColor(0x37, 0x47, 0x4f);
const QColor kRequestColor(0xb0, 0xbe, 0xc5);
const QColor kGridColor(0xe3, 0xe6, 0xe8);
const QColor kSelectedLane(0xdb, 0xe9, 0xf7);
const QColor kErrorColor(0xc6, 0x28, 0x28);
constexpr int kIndent = 14;
constexpr double kZoomStep = 1.25;

// A tick step of 1, 2 or 5 x 10^k ns that puts ticks at least minPx apart.
double tickStep(double nsPerPixel, int minPx)
{
    const double want = nsPerPixel * minPx;
    double step = 1;
    while (step < want) {
        if (step * 2 >= want) {
            return step * 2;
        }
        if (step * 5 >= want) {
            return step * 5;
        }
        step *= 10;
    }
    return step;
}

// A tick's time with as many decimals as the step needs ("4.32 ms" when ticks are 10 us apart).
QString tickText(double ns, double step)
{
    if (ns == 0) {
        return QStringLiteral("0");
    }
    const double abs = std::abs(ns);
    const auto [unit, name] = abs >= 1e9   ? std::pair(1e9, QStringLiteral(" s"))
                              : abs >= 1e6 ? std::pair(1e6, QStringLiteral(" ms"))
                              : abs >= 1e3 ? std::pair(1e3, QStringLiteral(" us"))
                                           : std::pair(1.0, QStringLiteral(" ns"));
    const int decimals = std::clamp(static_cast<int>(std::ceil(-std::log10(step / unit))), 0, 6);
    return QString::number(ns / unit, 'f', decimals) + name;
}

// What a wait's bar says: its reason and what it waited on, without saying "sleep" twice.
QString waitLabel(const TimelineSpan& span)
{
    const QString reason = yieldReasonText(span.reason);
    if (span.waitedOn.isEmpty()) {
        return reason;
    }
    if (reason.isEmpty() || span.waitedOn.startsWith(reason)) {
        return span.waitedOn;
    }
    return reason + QStringLiteral(": ") + span.waitedOn;
}

QString spanTitle(const TimelineSpan& span)
{
    if (span.running) {
        return QObject::tr("run");
    }
    const QString reason = yieldReasonText(span.reason);
    return reason.isEmpty() ? QObject::tr("wait") : reason;
}

} // namespace

TimelineView::TimelineView(TimelineModel* model, QWidget* parent)
    : QAbstractScrollArea(parent), m_model(model)
{
    setObjectName(QStringLiteral("timelineView"));
    viewport()->setMouseTracking(true);
    viewport()->setBackgroundRole(QPalette::Base);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    const QFontMetrics metrics(font());
    m_laneHeight = std::max(20, metrics.height() + 8);
    m_axisHeight = metrics.height() + 8;
    m_labelWidth = metrics.horizontalAdvance(QLatin1Char('m')) * 22;
    connect(m_model, &TimelineModel::lanesChanged, this, &TimelineView::onLanesChanged);
    connect(verticalScrollBar(), &QScrollBar::valueChanged, viewport(),
            qOverload<>(&QWidget::update));
    setMinimumHeight(m_axisHeight + 3 * m_laneHeight);
}

void TimelineView::onLanesChanged()
{
    // A new selection, or a live request that grows: fit again unless the user zoomed.
    if (m_shownRequests != m_model->shownRequests() || m_waterfall != m_model->waterfall()) {
        m_shownRequests = m_model->shownRequests();
        m_waterfall = m_model->waterfall();
        // The waterfall's lanes are one line each: more requests in view.
        const QFontMetrics metrics(font());
        m_laneHeight = m_waterfall ? metrics.height() + 4 : std::max(20, metrics.height() + 8);
        m_fitted = true;
        m_selectedCoroutine = 0;
    }
    if (m_fitted) {
        fit();
    }
    updateScrollBars();
    viewport()->update();
}

void TimelineView::fit()
{
    const double span = std::max<double>(1000.0, m_model->endNs() - m_model->originNs());
    const int width = std::max(50, viewport()->width() - m_labelWidth - 16);
    m_nsPerPixel = span / width;
    m_viewBeginNs = -4 * m_nsPerPixel;
    m_fitted = true;
    viewport()->update();
}

void TimelineView::zoomAt(int x, double factor)
{
    const double at = m_viewBeginNs + (x - m_labelWidth) * m_nsPerPixel;
    m_nsPerPixel = std::clamp(m_nsPerPixel / factor, 0.05, 1e10);
    m_viewBeginNs = at - (x - m_labelWidth) * m_nsPerPixel;
    m_fitted = false;
    viewport()->update();
}

void TimelineView::panBy(int dx)
{
    m_viewBeginNs -= dx * m_nsPerPixel;
    m_fitted = false;
    viewport()->update();
}

void TimelineView::updateScrollBars()
{
    const int content = static_cast<int>(m_model->lanes().size()) * m_laneHeight + m_axisHeight;
    verticalScrollBar()->setRange(0, std::max(0, content - viewport()->height()));
    verticalScrollBar()->setPageStep(viewport()->height());
    verticalScrollBar()->setSingleStep(m_laneHeight);
}

void TimelineView::resizeEvent(QResizeEvent* event)
{
    QAbstractScrollArea::resizeEvent(event);
    updateScrollBars();
    if (m_fitted) {
        fit();
    }
}

double TimelineView::xOf(qint64 ns) const
{
    return m_labelWidth +
           (static_cast<double>(ns - m_model->originNs()) - m_viewBeginNs) / m_nsPerPixel;
}

int TimelineView::laneAt(const QPoint& pos) const
{
    if (pos.y() < m_axisHeight) {
        return -1;
    }
    const int lane = (pos.y() - m_axisHeight + verticalScrollBar()->value()) / m_laneHeight;
    return lane < m_model->lanes().size() ? lane : -1;
}

int TimelineView::spanAt(const QPoint& pos, int lane) const
{
    if (lane < 0 || pos.x() < m_labelWidth) {
        return -1;
    }
    const auto& spans = m_model->lanes().at(lane).spans;
    // The span under the pointer, or one within 2 px (short runs are thin).
    int best = -1;
    double bestDistance = 3;
    for (int i = 0; i < spans.size(); ++i) {
        const double x0 = xOf(spans[i].beginNs);
        const double x1 = std::max(x0 + 1, xOf(spans[i].endNs));
        const double distance = pos.x() < x0 ? x0 - pos.x() : pos.x() > x1 ? pos.x() - x1 : 0;
        if (distance < bestDistance || (distance == 0 && spans[i].running)) {
            best = i;
            bestDistance = distance;
        }
    }
    return best;
}

QPoint TimelineView::spanCenter(int lane, int span) const
{
    const auto& s = m_model->lanes().at(lane).spans.at(span);
    const double x0 = xOf(s.beginNs);
    const double x1 = std::max(x0 + 1, xOf(s.endNs));
    return {static_cast<int>((x0 + x1) / 2),
            m_axisHeight + lane * m_laneHeight - verticalScrollBar()->value() + m_laneHeight / 2};
}

QString TimelineView::toolTipFor(int lane, int span) const
{
    const TimelineLane& l = m_model->lanes().at(lane);
    if (span < 0) {
        QString text = QStringLiteral("<b>%1</b> %2<br>%3")
                           .arg(l.name.toHtmlEscaped(), l.state.toHtmlEscaped(),
                                durationText(l.endNs - l.beginNs));
        if (!l.error.isEmpty()) {
            text += QStringLiteral("<br><span style=\"color:#c62828\">%1</span>")
                        .arg(l.error.left(300).toHtmlEscaped());
        }
        return text;
    }
    const TimelineSpan& s = l.spans.at(span);
    QString text = QStringLiteral("<b>%1</b> %2 &nbsp;<span style=\"color:gray\">%3</span>")
                       .arg(spanTitle(s).toHtmlEscaped(), durationText(s.endNs - s.beginNs),
                            l.name.toHtmlEscaped());
    if (!s.waitedOn.isEmpty()) {
        text += QStringLiteral("<br>waits on: %1").arg(s.waitedOn.toHtmlEscaped());
    }
    if (s.line > 0) {
        text += QStringLiteral("<br>at %1:%2").arg(s.file.toHtmlEscaped()).arg(s.line);
    }
    if (s.wokenBy) {
        for (const auto& other : m_model->lanes()) {
            if (!other.isRequest && other.requestId == l.requestId &&
                other.coroutineId == s.wokenBy) {
                text += QStringLiteral("<br>woken when %1 finished").arg(other.name);
            }
        }
    }
    if (s.open) {
        text += QStringLiteral("<br><i>still %1</i>")
                    .arg(s.running ? QStringLiteral("running") : QStringLiteral("waiting"));
    }
    text += QStringLiteral("<br><span style=\"color:gray\">from +%1</span>")
                .arg(durationText(s.beginNs - m_model->originNs()));
    return text;
}

void TimelineView::paintAxis(QPainter& p, int width)
{
    p.fillRect(0, 0, width, m_axisHeight, palette().window());
    const double step = tickStep(m_nsPerPixel, 90);
    const double first = std::ceil(m_viewBeginNs / step) * step;
    p.setPen(palette().color(QPalette::WindowText));
    for (double t = first;; t += step) {
        const double x = m_labelWidth + (t - m_viewBeginNs) / m_nsPerPixel;
        if (x > width) {
            break;
        }
        p.drawLine(QPointF(x, m_axisHeight - 5), QPointF(x, m_axisHeight));
        p.drawText(QPointF(x + 3, m_axisHeight - 7), tickText(t, step));
    }
    p.setPen(kGridColor.darker(120));
    p.drawLine(0, m_axisHeight - 1, width, m_axisHeight - 1);
    p.fillRect(0, 0, m_labelWidth, m_axisHeight, palette().window());
    p.setPen(palette().color(QPalette::WindowText));
    p.drawText(QRect(6, 0, m_labelWidth - 8, m_axisHeight), Qt::AlignVCenter,
               m_model->lanes().isEmpty() ? tr("no request selected") : tr("time from start"));
}

void TimelineView::paintLane(QPainter& p, const TimelineLane& lane, int y, int right)
{
    const int h = m_laneHeight;
    const QFontMetrics metrics(p.font());
    if (lane.isRequest) {
        const double x0 = std::max<double>(m_labelWidth, xOf(lane.beginNs));
        const double x1 = std::min<double>(right, xOf(lane.endNs));
        const bool failed = lane.state.startsWith(QLatin1Char('5'));
        if (x1 >= x0) {
            p.fillRect(QRectF(x0, y + h * 0.35, std::max(1.0, x1 - x0), h * 0.3),
                       failed ? kErrorColor.lighter(160) : kRequestColor);
        }
        p.setPen(kRunColor);
        for (const auto& mark : lane.marks) {
            const double x = xOf(mark.ns);
            if (x >= m_labelWidth && x <= right) {
                p.drawLine(QPointF(x, y + 3), QPointF(x, y + h - 3));
            }
        }
        if (lane.spans.isEmpty()) {
            return; // the waterfall's request lanes carry their entry thread's spans
        }
    }
    const auto& spans = lane.spans;
    const qint64 visibleBegin = m_model->originNs() + static_cast<qint64>(m_viewBeginNs);
    auto it = std::lower_bound(spans.begin(), spans.end(), visibleBegin,
                               [](const TimelineSpan& s, qint64 t) { return s.endNs < t; });
    int lastRunPixel = -1;
    for (; it != spans.end(); ++it) {
        const double x0 = xOf(it->beginNs);
        if (x0 > right) {
            break;
        }
        const double cx0 = std::max<double>(m_labelWidth, x0);
        const double cx1 = std::min<double>(right, xOf(it->endNs));
        const double w = std::max(1.0, cx1 - cx0);
        if (it->running) {
            // Thin runs in one pixel: one line is enough.
            const int pixel = static_cast<int>(cx0);
            if (pixel == lastRunPixel && w <= 1.0) {
                continue;
            }
            lastRunPixel = pixel;
            p.fillRect(QRectF(cx0, y + 3, w, h - 6), kRunColor);
            continue;
        }
        if (w < 1.0 || cx1 < m_labelWidth) {
            continue;
        }
        QColor color = yieldReasonColor(it->reason);
        if (!color.isValid()) {
            color = kRequestColor;
        }
        if (it->open) {
            color.setAlpha(150);
        }
        const QRectF bar(cx0, y + h * 0.25, w, h * 0.5);
        p.fillRect(bar, color);
        if (w > 48) {
            const QString text =
                metrics.elidedText(waitLabel(*it), Qt::ElideRight, static_cast<int>(w) - 6);
            p.setPen(color.lightness() > 150 ? Qt::black : Qt::white);
            p.drawText(bar.adjusted(3, 0, -3, 0), Qt::AlignVCenter | Qt::AlignLeft, text);
        }
    }
    if (!lane.error.isEmpty() || lane.state == QLatin1String("failed")) {
        const double x = xOf(lane.endNs);
        if (x >= m_labelWidth && x <= right) {
            p.setPen(QPen(kErrorColor, 2));
            p.drawLine(QPointF(x - 4, y + 4), QPointF(x + 4, y + h - 4));
            p.drawLine(QPointF(x - 4, y + h - 4), QPointF(x + 4, y + 4));
        }
    }
}

void TimelineView::paintEvent(QPaintEvent*)
{
    QPainter p(viewport());
    const int width = viewport()->width();
    const int height = viewport()->height();
    const auto& lanes = m_model->lanes();
    const int scroll = verticalScrollBar()->value();
    const int first = std::max(0, scroll / m_laneHeight);
    const int last =
        std::min(static_cast<int>(lanes.size()) - 1, (scroll + height) / m_laneHeight + 1);

    // The time grid under the lanes.
    const double step = tickStep(m_nsPerPixel, 90);
    p.setPen(kGridColor);
    for (double t = std::ceil(m_viewBeginNs / step) * step;; t += step) {
        const double x = m_labelWidth + (t - m_viewBeginNs) / m_nsPerPixel;
        if (x > width) {
            break;
        }
        p.drawLine(QPointF(x, m_axisHeight), QPointF(x, height));
    }
    for (int i = first; i <= last; ++i) {
        const TimelineLane& lane = lanes.at(i);
        const int y = m_axisHeight + i * m_laneHeight - scroll;
        const bool selected = !lane.isRequest && lane.coroutineId == m_selectedCoroutine &&
                              lane.requestId == m_selectedRequest;
        if (selected) {
            p.fillRect(0, y, width, m_laneHeight, kSelectedLane);
        } else if (lane.isRequest) {
            p.fillRect(0, y, width, m_laneHeight, palette().color(QPalette::AlternateBase));
        }
        p.save();
        p.setClipRect(m_labelWidth, y, width - m_labelWidth, m_laneHeight);
        paintLane(p, lane, y, width);
        p.restore();
        // The label: indented under its parent, the state beside it.
        QFont font = p.font();
        font.setBold(lane.isRequest);
        p.setFont(font);
        p.setPen(lane.state == QLatin1String("failed") ? kErrorColor
                                                       : palette().color(QPalette::Text));
        const QRect label(6 + lane.depth * kIndent, y, m_labelWidth - 10 - lane.depth * kIndent,
                          m_laneHeight);
        const QString stateText =
            QStringLiteral("  ") + (lane.isRequest ? lane.state + QStringLiteral(" \u00b7 ") +
                                                         durationText(lane.endNs - lane.beginNs)
                                                   : lane.state);
        const QFontMetrics metrics(font);
        p.drawText(label, Qt::AlignVCenter | Qt::AlignLeft,
                   metrics.elidedText(lane.name, Qt::ElideMiddle, label.width()));
        font.setBold(false);
        p.setFont(font);
        if (!stateText.isEmpty()) {
            const int nameWidth = metrics.horizontalAdvance(lane.name);
            p.setPen(palette().color(QPalette::PlaceholderText));
            p.drawText(label.adjusted(nameWidth, 0, 0, 0), Qt::AlignVCenter | Qt::AlignLeft,
                       stateText);
        }
    }
    p.setPen(kGridColor.darker(110));
    p.drawLine(m_labelWidth - 1, m_axisHeight, m_labelWidth - 1, height);
    if (m_model->cutoffNs() != 0) {
        // Time travel: the instant shown.
        const double x = xOf(m_model->cutoffNs());
        if (x >= m_labelWidth && x <= width) {
            p.setPen(QPen(kErrorColor, 1, Qt::DashLine));
            p.drawLine(QPointF(x, m_axisHeight), QPointF(x, height));
        }
    }
    paintAxis(p, width);
    if (lanes.isEmpty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(viewport()->rect().adjusted(0, m_axisHeight, 0, 0), Qt::AlignCenter,
                   tr("Select a request (Requests view, or the client's \"show in runtime\")\n"
                      "to see its coroutines over time, or Waterfall for all of them."));
    }
}

void TimelineView::wheelEvent(QWheelEvent* event)
{
    const QPoint pos = event->position().toPoint();
    if (pos.x() < m_labelWidth || (event->modifiers() & Qt::ShiftModifier)) {
        QAbstractScrollArea::wheelEvent(event); // scrolls the lanes
        return;
    }
    const int delta = event->angleDelta().y();
    if (delta != 0) {
        zoomAt(pos.x(), std::pow(kZoomStep, delta / 120.0));
    }
    event->accept();
}

void TimelineView::mousePressEvent(QMouseEvent* event)
{
    if (event->button() == Qt::LeftButton) {
        m_dragFrom = event->position().toPoint();
        m_dragging = true;
        m_dragged = false;
    }
}

void TimelineView::mouseMoveEvent(QMouseEvent* event)
{
    if (!m_dragging) {
        return;
    }
    const QPoint pos = event->position().toPoint();
    const QPoint delta = pos - m_dragFrom;
    if (!m_dragged && delta.manhattanLength() < 4) {
        return;
    }
    m_dragged = true;
    viewport()->setCursor(Qt::ClosedHandCursor);
    panBy(delta.x());
    verticalScrollBar()->setValue(verticalScrollBar()->value() - delta.y());
    m_dragFrom = pos;
}

void TimelineView::mouseReleaseEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton || !m_dragging) {
        return;
    }
    m_dragging = false;
    viewport()->unsetCursor();
    if (m_dragged) {
        return;
    }
    const QPoint pos = event->position().toPoint();
    const int lane = laneAt(pos);
    if (lane < 0) {
        return;
    }
    const TimelineLane& l = m_model->lanes().at(lane);
    if (!l.isRequest) {
        m_selectedCoroutine = l.coroutineId;
        m_selectedRequest = l.requestId;
        viewport()->update();
    }
    Q_EMIT coroutineClicked(l.requestId, l.coroutineId);
    const int span = spanAt(pos, lane);
    if (span >= 0 && l.spans.at(span).line > 0) {
        Q_EMIT sourceRequested(l.spans.at(span).file, l.spans.at(span).line);
    } else if (l.errorLine > 0) {
        Q_EMIT sourceRequested(l.errorFile, l.errorLine);
    }
}

bool TimelineView::viewportEvent(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        const QPoint pos = static_cast<QHelpEvent*>(event)->pos();
        const int lane = laneAt(pos);
        if (lane < 0) {
            QToolTip::hideText();
            return true;
        }
        QToolTip::showText(static_cast<QHelpEvent*>(event)->globalPos(),
                           toolTipFor(lane, spanAt(pos, lane)), viewport());
        return true;
    }
    if (event->type() == QEvent::MouseButtonDblClick) {
        fit();
        return true;
    }
    return QAbstractScrollArea::viewportEvent(event);
}

TimelinePane::TimelinePane(TimelineModel* model, QWidget* parent)
    : QWidget(parent), m_model(model), m_view(new TimelineView(model)), m_title(new QLabel),
      m_waitChain(new QLabel), m_scrubRow(new QWidget), m_scrubber(new QSlider(Qt::Horizontal)),
      m_scrubText(new QLabel)
{
    m_scrubber->setObjectName(QStringLiteral("timelineScrubber"));
    m_scrubber->setToolTip(tr("Time travel: the lanes as they were after each event "
                              "(arrow keys step one event)"));
    m_scrubText->setObjectName(QStringLiteral("timelineScrubText"));
    auto* back = new QToolButton;
    back->setText(QStringLiteral("\u25c0"));
    back->setToolTip(tr("One event back"));
    auto* forward = new QToolButton;
    forward->setText(QStringLiteral("\u25b6"));
    forward->setToolTip(tr("One event forward"));
    auto* present = new QToolButton;
    present->setObjectName(QStringLiteral("timelinePresent"));
    present->setText(tr("Present"));
    present->setToolTip(tr("Back to the present: every event"));
    connect(back, &QToolButton::clicked, this,
            [this] { m_scrubber->setValue(m_scrubber->value() - 1); });
    connect(forward, &QToolButton::clicked, this,
            [this] { m_scrubber->setValue(m_scrubber->value() + 1); });
    connect(present, &QToolButton::clicked, this,
            [this] { m_scrubber->setValue(m_scrubber->maximum()); });
    connect(m_scrubber, &QSlider::valueChanged, this, &TimelinePane::scrubTo);
    auto* scrubLayout = new QHBoxLayout(m_scrubRow);
    scrubLayout->setContentsMargins(4, 0, 4, 0);
    scrubLayout->addWidget(back);
    scrubLayout->addWidget(m_scrubber, 2);
    scrubLayout->addWidget(forward);
    scrubLayout->addWidget(m_scrubText, 3);
    scrubLayout->addWidget(present);
    m_waitChain->setObjectName(QStringLiteral("timelineWaitChain"));
    m_waitChain->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_waitChain->setContentsMargins(6, 0, 6, 2);
    m_waitChain->setToolTip(tr("Why is it stuck: the waits from the entry thread down"));
    m_waitChain->hide();
    m_title->setObjectName(QStringLiteral("timelineTitle"));
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* fitButton = new QToolButton;
    fitButton->setObjectName(QStringLiteral("timelineFit"));
    fitButton->setText(tr("Fit"));
    fitButton->setToolTip(tr("Show the whole request (or double-click the timeline). "
                             "Wheel: zoom; drag: pan; Shift+wheel: scroll the lanes"));
    connect(fitButton, &QToolButton::clicked, m_view, &TimelineView::fit);
    auto* waterfall = new QToolButton;
    waterfall->setObjectName(QStringLiteral("timelineWaterfall"));
    waterfall->setText(tr("Waterfall"));
    waterfall->setCheckable(true);
    waterfall->setToolTip(tr("Every request of the history side by side (its entry thread's "
                             "runs and waits): concurrency and queueing across requests. "
                             "Click a request to see its coroutines"));
    connect(waterfall, &QToolButton::toggled, this, [this](bool on) {
        if (on == m_model->waterfall()) {
            return;
        }
        if (on) {
            m_beforeWaterfall = m_model->shownRequests();
            m_model->showWaterfall();
        } else {
            m_model->showRequests(m_beforeWaterfall);
        }
    });
    connect(m_model, &TimelineModel::waterfallChanged, waterfall, [waterfall](bool on) {
        const QSignalBlocker block(waterfall);
        waterfall->setChecked(on);
    });

    // The legend: run, then the reasons seen most.
    QString legend = QStringLiteral("<span style=\"color:%1\">&#9632;</span>&nbsp;run &nbsp; ")
                         .arg(kRunColor.name());
    for (std::size_t i = 1; i < engine::trace::kYieldReasonCount; ++i) {
        const auto reason = static_cast<engine::trace::YieldReason>(i);
        legend +=
            QStringLiteral("<span style=\"color:%1\">&#9644;</span>&nbsp;%2 &nbsp; ")
                .arg(yieldReasonColor(reason).name(), yieldReasonText(reason).toHtmlEscaped());
    }
    auto* legendLabel = new QLabel(legend);
    legendLabel->setObjectName(QStringLiteral("timelineLegend"));
    legendLabel->setWordWrap(true);

    auto* top = new QHBoxLayout;
    top->setContentsMargins(4, 2, 4, 2);
    top->addWidget(m_title, 1);
    top->addWidget(waterfall);
    top->addWidget(fitButton);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(top);
    layout->addWidget(m_waitChain);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_scrubRow);
    layout->addWidget(legendLabel);
    connect(m_model, &TimelineModel::lanesChanged, this, &TimelinePane::updateTitle);
    connect(m_model, &TimelineModel::lanesChanged, this, &TimelinePane::updateScrubber);
    updateScrubber();
    updateTitle();
}

void TimelinePane::updateScrubber()
{
    const bool shown = !m_model->waterfall() && !m_model->lanes().isEmpty();
    m_scrubRow->setVisible(shown);
    if (!shown || m_model->cutoff() != 0) {
        return; // while travelling the events stay those the travel began with
    }
    m_scrubEvents = m_model->shownEvents();
    const QSignalBlocker block(m_scrubber);
    m_scrubber->setRange(0, static_cast<int>(m_scrubEvents.size()));
    m_scrubber->setValue(m_scrubber->maximum());
    m_scrubText->setText(tr("present: %1 events").arg(m_scrubEvents.size()));
}

void TimelinePane::scrubTo(int position)
{
    if (position >= static_cast<int>(m_scrubEvents.size()) || position < 0) {
        m_model->setCutoff(0);
        updateScrubber();
        return;
    }
    const auto& e = m_scrubEvents[static_cast<std::size_t>(position)];
    m_model->setCutoff(e.seq);
    QString text = tr("event %1 of %2: <b>%3</b>")
                       .arg(position + 1)
                       .arg(m_scrubEvents.size())
                       .arg(eventKindText(e.kind));
    if (e.reason != engine::trace::YieldReason::None) {
        text += QLatin1Char(' ') + yieldReasonText(e.reason).toHtmlEscaped();
    }
    if (e.coroutineId) {
        text += tr(" (coroutine %1)").arg(e.coroutineId);
    }
    text += tr(" at +%1").arg(durationText(e.timeNs - m_model->originNs()));
    m_scrubText->setText(text);
}

void TimelinePane::setWaitChain(const QString& chain)
{
    m_waitChain->setText(
        tr("<span style=\"color:#b26a00\">waiting:</span> %1").arg(chain.toHtmlEscaped()));
    m_waitChain->setVisible(!chain.isEmpty());
}

void TimelinePane::updateTitle()
{
    const auto& lanes = m_model->lanes();
    if (lanes.isEmpty()) {
        m_title->setText(tr("<i>No request selected</i>"));
        return;
    }
    if (m_model->waterfall()) {
        m_title->setText(tr("<b>Waterfall</b> &nbsp; %1 requests over %2%3")
                             .arg(lanes.size())
                             .arg(durationText(m_model->endNs() - m_model->originNs()),
                                  m_model->live() ? tr(" &nbsp; <i>running</i>") : QString()));
        return;
    }
    const TimelineLane& head = lanes.front();
    int coroutines = 0;
    for (const auto& lane : lanes) {
        coroutines += lane.isRequest ? 0 : 1;
    }
    m_title->setText(tr("<b>#%1 %2</b> &nbsp; %3 &nbsp; %4, %n coroutine(s)%5", nullptr, coroutines)
                         .arg(head.requestId)
                         .arg(head.name.toHtmlEscaped(), head.state,
                              durationText(m_model->endNs() - m_model->originNs()),
                              m_model->live() ? tr(" &nbsp; <i>running</i>") : QString()));
}

} // namespace restyscope::ui
