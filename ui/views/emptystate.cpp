#include "ui/views/emptystate.h"

#include <QAbstractItemView>
#include <QEvent>
#include <QLabel>

namespace restyscope::ui {

EmptyState::EmptyState(QAbstractItemView* view, const QString& text)
    : QObject(view), m_view(view), m_viewport(view->viewport()),
      m_label(new QLabel(text, view->viewport()))
{
    m_label->setObjectName(QStringLiteral("emptyState"));
    m_label->setAlignment(Qt::AlignCenter);
    m_label->setWordWrap(true);
    m_label->setStyleSheet(QStringLiteral("color: gray; padding: 12px;"));
    m_label->setAttribute(Qt::WA_TransparentForMouseEvents);
    view->viewport()->installEventFilter(this);
    view->installEventFilter(this); // a new model is set on the view
    watch(view->model());
}

bool EmptyState::isShown() const
{
    return !m_label->isHidden();
}

void EmptyState::watch(QAbstractItemModel* model)
{
    if (m_model) {
        disconnect(m_model, nullptr, this, nullptr);
    }
    m_model = model;
    if (model) {
        for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved}) {
            connect(model, signal, this, &EmptyState::update);
        }
        connect(model, &QAbstractItemModel::modelReset, this, &EmptyState::update);
        connect(model, &QAbstractItemModel::layoutChanged, this, &EmptyState::update);
    }
    update();
}

void EmptyState::update()
{
    m_label->setGeometry(m_viewport->rect());
    m_label->setVisible(!m_model || m_model->rowCount() == 0);
}

bool EmptyState::eventFilter(QObject* watched, QEvent* event)
{
    // Events also come while the view is being destroyed (then it is no longer a
    // QAbstractItemView): only the stored pointers and qobject_cast are used on it.
    if (watched == m_viewport && event->type() == QEvent::Resize) {
        m_label->setGeometry(m_viewport->rect());
    } else if (auto* view = qobject_cast<QAbstractItemView*>(watched);
               view && view == m_view && view->model() != m_model) {
        watch(view->model()); // the view's model was swapped
    }
    return QObject::eventFilter(watched, event);
}

} // namespace restyscope::ui
