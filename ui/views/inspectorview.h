#pragma once
// Design: the Inspector dock, live while stopped at a line. The stack (selecting a frame
// asks for its variables), then one tree: Locals, Upvalues, Request (ngx.ctx, ngx.var) and
// Watch (the user's expressions, evaluated at every stop in the selected frame). Values are
// shown as the engine renders them; a table expands lazily: its fields are asked for when
// the user opens it, through the controller's eval in the same frame.

#include "ui/bridge/debugcontroller.h"

#include <QHash>
#include <QWidget>

class QLineEdit;
class QTreeWidget;
class QTreeWidgetItem;

namespace restyscope::ui {

class InspectorPane final : public QWidget
{
    Q_OBJECT
public:
    explicit InspectorPane(DebugController* controller, QWidget* parent = nullptr);

    void addWatch(const QString& expression);
    void removeWatch(const QString& expression);
    QStringList watches() const { return m_watches; }
    // Asks for the inspection of frame (stack level) while stopped at a line.
    void inspect(int frame = 0);
    void clear();
    void applyInspection(const Inspection& inspection);
    void applyChildren(int frame, const QString& expression, const QVector<VariableItem>& children);

protected:
    // Del on a watch row removes that watch.
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    DebugController* m_controller;
    QTreeWidget* m_stack;
    QTreeWidget* m_variables;
    QLineEdit* m_watchInput;
    QStringList m_watches;
    int m_frame = 0;
    bool m_stopped = false;
    QHash<QString, QTreeWidgetItem*> m_pendingChildren; // by expression, for m_frame
};

} // namespace restyscope::ui
