#pragma once
// Design: an empty view says what will appear there and how to get it ("No requests yet:
// send one from the HTTP client (Ctrl+Enter)"). A label over the view's viewport, shown
// while its model has no rows; it follows the model's row and reset signals, so a view whose
// model is swapped (the Events filter) keeps it.

#include <QObject>
#include <QPointer>

class QAbstractItemModel;
class QAbstractItemView;
class QLabel;

namespace restyscope::ui {

class EmptyState : public QObject
{
    Q_OBJECT
public:
    // Owned by view; the label is a child of its viewport, named "emptyState".
    EmptyState(QAbstractItemView* view, const QString& text);
    bool isShown() const;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void watch(QAbstractItemModel* model);
    void update();

    QAbstractItemView* m_view;
    QWidget* m_viewport;
    QLabel* m_label;
    QPointer<QAbstractItemModel> m_model;
};

} // namespace restyscope::ui
