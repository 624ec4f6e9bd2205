#pragma once
// Design: the Timeline dock (Perfetto's and the browser performance panel's shape). One lane
// per row of a TimelineModel: a request lane with its phases, then its coroutines nested
// under their parents. Runs are dark bars; waits are thinner bars in their yield reason's
// colour (yieldcolors.h, the legend's). The wheel zooms around the pointer, a drag pans, Fit
// shows everything; hovering a span tells its reason, what it waited on, where and how
// long; a click selects the coroutine and, when the position is known, opens its source.
// Only the rows and spans in view are painted, spans narrower than a pixel merge.

#include "engine/trace/event.h"
#include <QAbstractScrollArea>

#include <QList>

#include <QWidget>
#include <vector>

class QLabel;
class QSlider;
class QWidget;

namespace restyscope::ui {

class TimelineModel;
struct TimelineLane;
struct TimelineSpan;

class TimelineView final : public QAbstractScrollArea
{
    Q_OBJECT
public:
    explicit TimelineView(TimelineModel* model, QWidget* parent = nullptr);

    // Shows the whole time range of the lanes.
    void fit();
    // Nanoseconds per pixel, and the time (from the model's origin) at the left edge.
    double nsPerPixel() const { return m_nsPerPixel; }
    double viewBeginNs() const { return m_viewBeginNs; }
    void zoomAt(int x, double factor);
    void panBy(int dx);

    int laneHeight() const { return m_laneHeight; }
    int labelWidth() const { return m_labelWidth; }
    // The lane and span under a viewport point (-1 when none).
    int laneAt(const QPoint& pos) const;
    int spanAt(const QPoint& pos, int lane) const;
    // The viewport point of a lane's span middle (for tests and tooltips).
    QPoint spanCenter(int lane, int span) const;
    QString toolTipFor(int lane, int span) const;
    quint32 selectedCoroutine() const { return m_selectedCoroutine; }

Q_SIGNALS:
    void coroutineClicked(quint64 requestId, quint32 coroutineId);
    // A click on a span (or a failed lane) whose Lua position is known.
    void sourceRequested(const QString& file, int line);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    bool viewportEvent(QEvent* event) override;

private:
    void onLanesChanged();
    void updateScrollBars();
    double xOf(qint64 ns) const;
    void paintAxis(QPainter& p, int width);
    void paintLane(QPainter& p, const TimelineLane& lane, int y, int right);

    TimelineModel* m_model;
    double m_nsPerPixel = 1e5;
    double m_viewBeginNs = 0;
    int m_laneHeight = 22;
    int m_axisHeight = 22;
    int m_labelWidth = 220;
    bool m_fitted = false; // follows the end while the request runs, until zoomed
    QPoint m_dragFrom;
    bool m_dragging = false;
    bool m_dragged = false;
    quint32 m_selectedCoroutine = 0;
    quint64 m_selectedRequest = 0;
    QList<quint64> m_shownRequests; // a new selection fits again
    bool m_waterfall = false;
};

// The dock's contents: a title, Fit, the legend, and the view.
class TimelinePane final : public QWidget
{
    Q_OBJECT
public:
    explicit TimelinePane(TimelineModel* model, QWidget* parent = nullptr);
    TimelineView* view() const { return m_view; }
    // "Why is it stuck" for a running request: shown under the title; empty hides it.
    void setWaitChain(const QString& chain);
    // Time travel over the shown requests' events: position i shows the lanes once event i
    // (0-based) had happened; the last position is the present.
    QSlider* scrubber() const { return m_scrubber; }

private:
    void updateTitle();
    void updateScrubber();
    void scrubTo(int position);

    TimelineModel* m_model;
    TimelineView* m_view;
    QLabel* m_title;
    QLabel* m_waitChain;
    QList<quint64> m_beforeWaterfall; // shown again when the waterfall is left
    QWidget* m_scrubRow;
    QSlider* m_scrubber;
    QLabel* m_scrubText;
    std::vector<engine::trace::Event> m_scrubEvents;
};

} // namespace restyscope::ui
