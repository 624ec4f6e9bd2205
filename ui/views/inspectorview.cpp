#include "ui/views/inspectorview.h"

#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QSettings>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace restyscope::ui {

namespace {

QTreeWidget* makeTree(const QString& name, const QStringList& headers)
{
    auto* tree = new QTreeWidget;
    tree->setObjectName(name);
    tree->setHeaderLabels(headers);
    tree->setUniformRowHeights(true);
    tree->setAlternatingRowColors(true);
    tree->header()->setStretchLastSection(true);
    return tree;
}

constexpr int PathRole = Qt::UserRole + 1;      // the expression that reads the value
constexpr int RequestedRole = Qt::UserRole + 2; // its fields were asked for

void addVariables(QTreeWidgetItem* parent, const QVector<VariableItem>& vars)
{
    for (const auto& v : vars) {
        auto* item = new QTreeWidgetItem(parent, {v.name, v.value, v.type});
        item->setToolTip(1, v.value);
        if (v.type == QLatin1String("table") && !v.path.isEmpty()) {
            item->setData(0, PathRole, v.path);
            item->setChildIndicatorPolicy(QTreeWidgetItem::ShowIndicator);
        }
    }
}

void fillSection(QTreeWidgetItem* section, const QVector<VariableItem>& vars)
{
    addVariables(section, vars);
    section->setText(1, QObject::tr("%n item(s)", nullptr, static_cast<int>(vars.size())));
}

} // namespace

InspectorPane::InspectorPane(DebugController* controller, QWidget* parent)
    : QWidget(parent), m_controller(controller),
      m_stack(makeTree(QStringLiteral("inspectorStack"), {tr("#"), tr("Function"), tr("At")})),
      m_variables(
          makeTree(QStringLiteral("inspectorVariables"), {tr("Name"), tr("Value"), tr("Type")})),
      m_watchInput(new QLineEdit)
{
    m_stack->setRootIsDecorated(false);
    m_watchInput->setObjectName(QStringLiteral("watchInput"));
    m_watchInput->setPlaceholderText(tr("Add a watch expression (Enter); Del removes one"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    // Side by side: a dock is usually wider than tall, and the variables need the rows.
    auto* splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(m_stack);
    auto* lower = new QWidget;
    auto* lowerLayout = new QVBoxLayout(lower);
    lowerLayout->setContentsMargins(0, 0, 0, 0);
    lowerLayout->addWidget(m_variables, 1);
    lowerLayout->addWidget(m_watchInput);
    splitter->addWidget(lower);
    splitter->setStretchFactor(1, 2);
    const int unit = fontMetrics().horizontalAdvance(QLatin1Char('m'));
    splitter->setSizes({20 * unit, 70 * unit});
    // The value takes the room; the type column stays as narrow as "function".
    m_variables->header()->setStretchLastSection(false);
    m_variables->header()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_variables->setColumnWidth(2, 9 * unit);
    m_stack->setColumnWidth(0, 3 * unit);
    m_stack->setColumnWidth(1, 7 * unit);
    layout->addWidget(splitter);

    m_watches = QSettings().value(QStringLiteral("inspector/watches")).toStringList();
    connect(m_watchInput, &QLineEdit::returnPressed, this, [this] {
        addWatch(m_watchInput->text().trimmed());
        m_watchInput->clear();
    });
    connect(m_stack, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        if (item && m_stopped) {
            const int frame = item->data(0, Qt::UserRole).toInt();
            if (frame != m_frame) {
                inspect(frame);
            }
        }
    });
    connect(controller, &DebugController::lineStopped, this, [this] {
        m_stopped = true;
        inspect(0);
    });
    connect(controller, &DebugController::lineResumed, this, &InspectorPane::clear);
    connect(controller, &DebugController::inspectionArrived, this, &InspectorPane::applyInspection);
    connect(controller, &DebugController::childrenArrived, this, &InspectorPane::applyChildren);
    connect(m_variables, &QTreeWidget::itemExpanded, this, [this](QTreeWidgetItem* item) {
        const QString path = item->data(0, PathRole).toString();
        if (path.isEmpty() || item->data(0, RequestedRole).toBool() || !m_stopped) {
            return;
        }
        item->setData(0, RequestedRole, true);
        auto* loading = new QTreeWidgetItem(item, {tr("(loading)")});
        loading->setDisabled(true);
        m_pendingChildren.insert(path, item);
        m_controller->requestChildren(m_frame, path);
    });
    m_variables->installEventFilter(this);
    clear();
}

void InspectorPane::addWatch(const QString& expression)
{
    if (expression.isEmpty() || m_watches.contains(expression)) {
        return;
    }
    m_watches << expression;
    QSettings().setValue(QStringLiteral("inspector/watches"), m_watches);
    if (m_stopped) {
        inspect(m_frame);
    }
}

void InspectorPane::removeWatch(const QString& expression)
{
    if (m_watches.removeAll(expression) > 0) {
        QSettings().setValue(QStringLiteral("inspector/watches"), m_watches);
        if (m_stopped) {
            inspect(m_frame);
        }
    }
}

bool InspectorPane::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_variables && event->type() == QEvent::KeyPress &&
        static_cast<QKeyEvent*>(event)->key() == Qt::Key_Delete) {
        auto* item = m_variables->currentItem();
        if (item && item->parent() &&
            item->parent() == m_variables->topLevelItem(m_variables->topLevelItemCount() - 1)) {
            removeWatch(item->text(0));
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void InspectorPane::inspect(int frame)
{
    m_frame = frame;
    m_controller->requestInspection(frame, m_watches);
}

void InspectorPane::applyChildren(int frame, const QString& expression,
                                  const QVector<VariableItem>& children)
{
    if (!m_stopped || frame != m_frame) {
        return;
    }
    auto* item = m_pendingChildren.take(expression);
    if (!item) {
        return; // the tree was rebuilt since the question
    }
    qDeleteAll(item->takeChildren());
    addVariables(item, children);
    if (children.isEmpty()) {
        item->setChildIndicatorPolicy(QTreeWidgetItem::DontShowIndicator);
    }
}

void InspectorPane::clear()
{
    m_pendingChildren.clear();
    m_stopped = false;
    m_frame = 0;
    m_stack->clear();
    m_variables->clear();
    auto* note = new QTreeWidgetItem(m_variables, {tr("(not stopped at a line)")});
    note->setDisabled(true);
}

void InspectorPane::applyInspection(const Inspection& inspection)
{
    if (!m_stopped || inspection.frame != m_frame) {
        return; // an answer to an older question
    }
    const QSignalBlocker blocker(m_stack);
    m_stack->clear();
    for (const auto& f : inspection.stack) {
        QString where = f.source;
        if (where.startsWith(QLatin1Char('@'))) {
            where = where.mid(where.lastIndexOf(QLatin1Char('/')) + 1);
        }
        auto* item = new QTreeWidgetItem(
            m_stack, {QString::number(f.level), f.name.isEmpty() ? f.what : f.name,
                      where + QLatin1Char(':') + QString::number(f.line)});
        item->setData(0, Qt::UserRole, f.level);
        item->setToolTip(2, f.source);
        if (f.level == inspection.frame) {
            m_stack->setCurrentItem(item);
        }
    }
    m_pendingChildren.clear();
    m_variables->clear();
    const std::pair<QString, const QVector<VariableItem>*> sections[] = {
        {tr("Locals"), &inspection.locals},
        {tr("Upvalues"), &inspection.upvalues},
        {tr("Request"), &inspection.request},
        {tr("Watch"), &inspection.watches},
    };
    for (const auto& [title, vars] : sections) {
        auto* section = new QTreeWidgetItem(m_variables, {title});
        QFont bold = section->font(0);
        bold.setBold(true);
        section->setFont(0, bold);
        fillSection(section, *vars);
        section->setExpanded(true);
    }
    m_variables->resizeColumnToContents(0);
}

} // namespace restyscope::ui
