// The Timeline over the history of real runs of the bundled example: the model (checked by
// QAbstractItemModelTester from before its first update) printed as lanes, spans and
// reasons for /api/threads, fed in drain-sized batches as the window feeds it; and the view:
// fit, wheel zoom around the pointer, drag pan, the hover text and a click.

#include "engine/history/history.h"
#include "tests/common/examplerun.h"
#include "tests/ui/modelfixtures.h"
#include "ui/models/timelinemodel.h"
#include "ui/views/timelineview.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSlider>
#include <QtTest>

using namespace restyscope;

namespace {

// The events of one run of target, applied in batches of 7 (as a drain tick would) with the
// request shown from its first event on, so the lanes are rebuilt while it "runs".
quint64 runInto(test::EngineFixture& fixture, const std::string& target,
                engine::history::History& history, ui::TimelineModel& model)
{
    fixture.clearEvents();
    const auto id = test::getAndWait(fixture, target);
    if (!id) {
        return 0;
    }
    const auto events = fixture.events();
    bool shown = false;
    for (std::size_t i = 0; i < events.size(); i += 7) {
        const std::size_t n = std::min<std::size_t>(7, events.size() - i);
        history.apply(events.data() + i, n);
        if (!shown && history.find(id)) {
            model.showRequests({id});
            shown = true;
        }
        model.refresh();
    }
    return id;
}

int laneOf(const ui::TimelineModel& model, const QString& prefix)
{
    for (int i = 0; i < model.lanes().size(); ++i) {
        if (model.lanes()[i].name.startsWith(prefix)) {
            return i;
        }
    }
    return -1;
}

} // namespace

class TestTimeline : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        std::string error;
        QVERIFY2(test::startExample(m_fixture, error), error.c_str());
    }
    void cleanupTestCase() { m_fixture.stop(); }

    void printedTimeline()
    {
        engine::history::History history;
        ui::TimelineModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setHistory(&history);
        const auto id = runInto(m_fixture, "/api/threads", history, model);
        QVERIFY(id != 0);
        const QStringList expected = {
            QStringLiteral("GET /api/threads | 200 |  |  | "),
            QStringLiteral("  entry 1 | finished |  |  | run, thread spawn [user thread 2], run, "
                           "thread spawn [user thread 3], run, coroutine resume [user coroutine "
                           "4], run, coroutine resume [user coroutine 4], run, coroutine resume "
                           "[user coroutine 4], run, thread wait [user thread 2], run, sleep "
                           "[sleep 0 ms], run"),
            QStringLiteral("    user thread 2 | finished |  |  | run, sleep [sleep 200 ms], run"),
            QStringLiteral("    user thread 3 | finished |  |  | run, sleep [sleep 100 ms], run"),
            QStringLiteral("    user coroutine 4 | abandoned |  |  | run, coroutine yield, run, "
                           "coroutine yield, run, coroutine yield"),
        };
        QCOMPARE(test::printTimeline(model), expected);
        // With the times of the run: the threads sleep their 0.2 s and 0.1 s side by side.
        const auto& lanes = model.lanes();
        QCOMPARE(lanes.size(), 5);
        const auto& a = lanes[2].spans[1];
        const auto& b = lanes[3].spans[1];
        QVERIFY(a.endNs - a.beginNs >= 190'000'000);
        QVERIFY(b.endNs - b.beginNs >= 90'000'000);
        QVERIFY(b.beginNs < a.endNs);
        QVERIFY(!model.live());
        QVERIFY(model.endNs() - model.originNs() >= a.endNs - a.beginNs);
        qInfo().noquote() << test::printModel(model).join(QLatin1Char('\n'));
    }

    void viewZoomPanHoverClick()
    {
        engine::history::History history;
        ui::TimelineModel model;
        model.setHistory(&history);
        QVERIFY(runInto(m_fixture, "/api/threads", history, model) != 0);
        ui::TimelineView view(&model);
        view.resize(1000, 300);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.fit();
        const int a = laneOf(model, QStringLiteral("user thread"));
        QVERIFY(a > 0);
        // Fitted: the request's whole time is in view.
        const QPoint sleepA = view.spanCenter(a, 1);
        QVERIFY(sleepA.x() > view.labelWidth() && sleepA.x() < view.viewport()->width());
        QCOMPARE(view.laneAt(sleepA), a);
        QCOMPARE(view.spanAt(sleepA, a), 1);
        const QString tip = view.toolTipFor(a, 1);
        QVERIFY2(tip.contains(QLatin1String("sleep")) && tip.contains(QLatin1String("200 ms")),
                 qPrintable(tip));

        // The wheel zooms in around the pointer: the time under it stays under it.
        const double before = view.nsPerPixel();
        const double timeAt = view.viewBeginNs() + (sleepA.x() - view.labelWidth()) * before;
        QWheelEvent wheel(QPointF(sleepA), QPointF(view.viewport()->mapToGlobal(sleepA)), QPoint(),
                          QPoint(0, 240), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(view.viewport(), &wheel);
        QVERIFY(view.nsPerPixel() < before / 1.5);
        const double timeAfter =
            view.viewBeginNs() + (sleepA.x() - view.labelWidth()) * view.nsPerPixel();
        QVERIFY(std::abs(timeAfter - timeAt) < view.nsPerPixel() * 2);

        // A drag to the left moves later time into view.
        const double begin = view.viewBeginNs();
        QTest::mousePress(view.viewport(), Qt::LeftButton, {}, sleepA);
        QMouseEvent move(QEvent::MouseMove, QPointF(sleepA - QPoint(200, 0)),
                         QPointF(view.viewport()->mapToGlobal(sleepA - QPoint(200, 0))),
                         Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(view.viewport(), &move);
        QTest::mouseRelease(view.viewport(), Qt::LeftButton, {}, sleepA - QPoint(200, 0));
        QVERIFY(std::abs(view.viewBeginNs() - (begin + 200 * view.nsPerPixel())) < 1e3);

        // Fit again, then a click on the lane selects its coroutine.
        view.fit();
        QSignalSpy clicked(&view, &ui::TimelineView::coroutineClicked);
        QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, view.spanCenter(a, 1));
        QCOMPARE(clicked.size(), 1);
        QCOMPARE(clicked.front().at(1).toUInt(), model.lanes()[a].coroutineId);
        QCOMPARE(view.selectedCoroutine(), model.lanes()[a].coroutineId);
    }

    // Every request side by side, each with its entry thread's runs and waits; a click on one
    // asks for its coroutines.
    void waterfall()
    {
        engine::history::History history;
        ui::TimelineModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setHistory(&history);
        for (const char* target : {"/api/hello", "/api/threads", "/api/broken"}) {
            QVERIFY(runInto(m_fixture, target, history, model) != 0);
        }
        QSignalSpy changed(&model, &ui::TimelineModel::waterfallChanged);
        model.showWaterfall();
        QCOMPARE(changed.size(), 1);
        QStringList lanes;
        for (const auto& line : test::printTimeline(model)) {
            lanes << line.section(QLatin1Char(' '), 1); // without "#id"
        }
        QCOMPARE(lanes,
                 (QStringList{QStringLiteral("GET /api/hello | 200 |  |  | run"),
                              QStringLiteral("GET /api/threads | 200 |  |  | run, thread spawn "
                                             "[user thread 1], run, thread spawn [user thread 2], "
                                             "run, coroutine resume [user coroutine 3], run, "
                                             "coroutine resume [user coroutine 3], run, coroutine "
                                             "resume [user coroutine 3], run, thread wait [user "
                                             "thread 1], run, sleep [sleep 0 ms], run"),
                              QStringLiteral("GET /api/broken | 500 |  |  | run")}));
        // In time order, the threads request overlapping none (they ran one after another).
        QVERIFY(model.lanes()[0].endNs <= model.lanes()[1].beginNs);
        ui::TimelineView view(&model);
        view.resize(800, 200);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy clicked(&view, &ui::TimelineView::coroutineClicked);
        QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, view.spanCenter(1, 1));
        QCOMPARE(clicked.size(), 1);
        QCOMPARE(clicked.front().at(0).toULongLong(), model.lanes()[1].requestId);
        QCOMPARE(clicked.front().at(1).toUInt(), 0u);
        // Showing a request leaves the waterfall.
        model.showRequests({model.lanes()[1].requestId});
        QVERIFY(!model.waterfall());
        QCOMPARE(changed.size(), 2);
        QCOMPARE(model.lanes().size(), 5);
    }

    // Time travel: the scrubber replays the request's events up to one of them; the lanes are
    // those of that instant, and the last position is the present again.
    void timeTravel()
    {
        engine::history::History history;
        ui::TimelineModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setHistory(&history);
        QVERIFY(runInto(m_fixture, "/api/threads", history, model) != 0);
        const QStringList present = test::printTimeline(model);
        ui::TimelinePane pane(&model);
        const auto events = model.shownEvents();
        QCOMPARE(pane.scrubber()->maximum(), static_cast<int>(events.size()));
        QCOMPARE(pane.scrubber()->value(), pane.scrubber()->maximum());
        // The instant the entry thread began to wait for thread a.
        int at = -1;
        for (std::size_t i = 0; i < events.size() && at < 0; ++i) {
            if (events[i].kind == engine::trace::EventKind::CoroutineYield &&
                events[i].reason == engine::trace::YieldReason::ThreadWait) {
                at = static_cast<int>(i);
            }
        }
        QVERIFY(at > 0);
        pane.scrubber()->setValue(at);
        QCOMPARE(model.cutoff(), events[static_cast<std::size_t>(at)].seq);
        QCOMPARE(model.cutoffNs(), events[static_cast<std::size_t>(at)].timeNs);
        QCOMPARE(
            test::printTimeline(model),
            (QStringList{
                QStringLiteral("GET /api/threads | running |  |  | "),
                QStringLiteral("  entry 1 | waiting |  |  | run, thread spawn [user thread 2], "
                               "run, thread spawn [user thread 3], run, coroutine resume "
                               "[user coroutine 4], run, coroutine resume [user coroutine "
                               "4], run, coroutine resume [user coroutine 4], run, thread "
                               "wait"),
                QStringLiteral("    user thread 2 | waiting |  |  | run, sleep [sleep 200 ms]"),
                QStringLiteral("    user thread 3 | waiting |  |  | run, sleep [sleep 100 ms]"),
                QStringLiteral("    user coroutine 4 | waiting |  |  | run, coroutine yield, "
                               "run, coroutine yield, run, coroutine yield")}));
        // The axis still spans the whole request.
        QVERIFY(model.endNs() > model.cutoffNs() + 150'000'000);
        pane.scrubber()->setValue(pane.scrubber()->maximum());
        QCOMPARE(model.cutoff(), std::uint64_t(0));
        QCOMPARE(test::printTimeline(model), present);
    }

    // A failed entry thread: its lane says where the error was, and a click asks for it.
    void failedLaneOpensTheSource()
    {
        engine::history::History history;
        ui::TimelineModel model;
        model.setHistory(&history);
        QVERIFY(runInto(m_fixture, "/api/broken", history, model) != 0);
        QCOMPARE(test::printTimeline(model),
                 (QStringList{QStringLiteral("GET /api/broken | 500 |  |  | "),
                              QStringLiteral("  entry 1 | failed |  |  | run")}));
        ui::TimelineView view(&model);
        view.resize(800, 200);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy source(&view, &ui::TimelineView::sourceRequested);
        QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, view.spanCenter(1, 0));
        QCOMPARE(source.size(), 1);
        QVERIFY(source.front().at(0).toString().endsWith(QLatin1String("broken.lua")));
        QVERIFY(source.front().at(1).toInt() > 0);
    }

private:
    test::EngineFixture m_fixture;
};

QTEST_MAIN(TestTimeline)
#include "tst_timeline.moc"
