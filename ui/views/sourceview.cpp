#include "ui/views/sourceview.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QListWidget>
#include <QPainter>
#include <QRegularExpression>
#include <QSplitter>
#include <QSyntaxHighlighter>
#include <QTextBlock>

namespace restyscope::ui {

namespace {

const QColor kBreakpointColor(0xc6, 0x28, 0x28);
const QColor kPausedLineColor(0xff, 0xf1, 0x76);
const QColor kErrorLineColor(0xff, 0xcd, 0xd2);

// Keywords, strings, comments and numbers; long strings and comments span blocks (state 1).
class LuaHighlighter final : public QSyntaxHighlighter
{
public:
    explicit LuaHighlighter(QTextDocument* document) : QSyntaxHighlighter(document)
    {
        m_keyword.setForeground(QColor(0x28, 0x35, 0x93));
        m_keyword.setFontWeight(QFont::Bold);
        m_string.setForeground(QColor(0x2e, 0x7d, 0x32));
        m_comment.setForeground(QColor(0x75, 0x75, 0x75));
        m_comment.setFontItalic(true);
        m_number.setForeground(QColor(0xad, 0x14, 0x57));
    }

protected:
    void highlightBlock(const QString& text) override
    {
        static const QRegularExpression keywords(QStringLiteral(
            "\\b(and|break|do|else|elseif|end|false|for|function|goto|if|in|local|nil|not|or|"
            "repeat|return|then|true|until|while)\\b"));
        static const QRegularExpression numbers(
            QStringLiteral("\\b(0[xX][0-9a-fA-F]+|\\d+\\.?\\d*([eE][+-]?\\d+)?)\\b"));
        for (auto it = keywords.globalMatch(text); it.hasNext();) {
            const auto m = it.next();
            setFormat(static_cast<int>(m.capturedStart()), static_cast<int>(m.capturedLength()),
                      m_keyword);
        }
        for (auto it = numbers.globalMatch(text); it.hasNext();) {
            const auto m = it.next();
            setFormat(static_cast<int>(m.capturedStart()), static_cast<int>(m.capturedLength()),
                      m_number);
        }
        // Strings and comments override the above, scanned left to right.
        setCurrentBlockState(0);
        int i = 0;
        if (previousBlockState() == 1) {
            i = closeLong(text, 0, m_comment);
            if (i < 0) {
                return;
            }
        }
        const int n = static_cast<int>(text.size());
        while (i < n) {
            const QChar c = text.at(i);
            if (c == QLatin1Char('-') && text.mid(i, 2) == QLatin1String("--")) {
                if (text.mid(i + 2, 2) == QLatin1String("[[")) {
                    i = closeLong(text, i, m_comment);
                    if (i < 0) {
                        return;
                    }
                    continue;
                }
                setFormat(i, n - i, m_comment);
                return;
            }
            if (c == QLatin1Char('"') || c == QLatin1Char('\'')) {
                int j = i + 1;
                while (j < n && text.at(j) != c) {
                    j += text.at(j) == QLatin1Char('\\') ? 2 : 1;
                }
                const int end = std::min(j + 1, n);
                setFormat(i, end - i, m_string);
                i = end;
                continue;
            }
            if (c == QLatin1Char('[') && text.mid(i, 2) == QLatin1String("[[")) {
                i = closeLong(text, i, m_string);
                if (i < 0) {
                    return;
                }
                continue;
            }
            ++i;
        }
    }

private:
    // Formats from start to the closing "]]"; -1 (and block state 1) when it runs on.
    int closeLong(const QString& text, int start, const QTextCharFormat& format)
    {
        const auto close = text.indexOf(QLatin1String("]]"), start);
        if (close < 0) {
            setFormat(start, static_cast<int>(text.size()) - start, format);
            setCurrentBlockState(1);
            return -1;
        }
        setFormat(start, static_cast<int>(close) + 2 - start, format);
        return static_cast<int>(close) + 2;
    }

    QTextCharFormat m_keyword;
    QTextCharFormat m_string;
    QTextCharFormat m_comment;
    QTextCharFormat m_number;
};

class Gutter final : public QWidget
{
public:
    explicit Gutter(SourceEditor* editor) : QWidget(editor), m_editor(editor)
    {
        setObjectName(QStringLiteral("sourceGutter"));
        setCursor(Qt::PointingHandCursor);
        setToolTip(QObject::tr("Click to toggle a breakpoint (F9 on the current line)"));
    }
    QSize sizeHint() const override { return {m_editor->gutterWidth(), 0}; }

protected:
    void paintEvent(QPaintEvent* event) override { m_editor->paintGutter(event); }
    void mousePressEvent(QMouseEvent* event) override
    {
        const int line = m_editor->lineAt(static_cast<int>(event->position().y()));
        if (line > 0) {
            Q_EMIT m_editor->breakpointToggled(line);
        }
    }

private:
    SourceEditor* m_editor;
};

} // namespace

SourceEditor::SourceEditor(QWidget* parent) : QPlainTextEdit(parent), m_gutter(new Gutter(this))
{
    setObjectName(QStringLiteral("sourceEditor"));
    setReadOnly(true);
    setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    new LuaHighlighter(document());
    connect(this, &QPlainTextEdit::blockCountChanged, this,
            [this] { setViewportMargins(gutterWidth(), 0, 0, 0); });
    connect(this, &QPlainTextEdit::updateRequest, this, [this](const QRect& rect, int dy) {
        if (dy != 0) {
            m_gutter->scroll(0, dy);
        } else {
            m_gutter->update(0, rect.y(), m_gutter->width(), rect.height());
        }
    });
    setViewportMargins(gutterWidth(), 0, 0, 0);
}

int SourceEditor::gutterWidth() const
{
    const int digits = static_cast<int>(QString::number(std::max(1, blockCount())).size());
    const int unit = fontMetrics().horizontalAdvance(QLatin1Char('9'));
    return 8 + unit * (digits + 2);
}

void SourceEditor::setBreakpointLines(const QSet<int>& lines)
{
    m_breakpoints = lines;
    m_gutter->update();
}

void SourceEditor::setPausedLine(int line)
{
    m_pausedLine = line;
    updateSelections();
    if (line > 0) {
        QTextCursor cursor(document()->findBlockByNumber(line - 1));
        setTextCursor(cursor);
        centerCursor();
    }
    m_gutter->update();
}

void SourceEditor::setErrorLine(int line)
{
    m_errorLine = line;
    updateSelections();
    if (line > 0) {
        setTextCursor(QTextCursor(document()->findBlockByNumber(line - 1)));
        centerCursor();
    }
}

void SourceEditor::updateSelections()
{
    QList<QTextEdit::ExtraSelection> selections;
    if (m_errorLine > 0) {
        QTextEdit::ExtraSelection error;
        error.format.setBackground(kErrorLineColor);
        error.format.setProperty(QTextFormat::FullWidthSelection, true);
        error.cursor = QTextCursor(document()->findBlockByNumber(m_errorLine - 1));
        selections << error;
    }
    if (m_pausedLine > 0) {
        QTextEdit::ExtraSelection paused;
        paused.format.setBackground(kPausedLineColor);
        paused.format.setProperty(QTextFormat::FullWidthSelection, true);
        paused.cursor = QTextCursor(document()->findBlockByNumber(m_pausedLine - 1));
        selections << paused;
    }
    setExtraSelections(selections);
}

int SourceEditor::lineAt(int y) const
{
    for (QTextBlock block = firstVisibleBlock(); block.isValid(); block = block.next()) {
        const QRectF box = blockBoundingGeometry(block).translated(contentOffset());
        if (box.top() > y) {
            break;
        }
        if (y < box.bottom()) {
            return block.blockNumber() + 1;
        }
    }
    return 0;
}

void SourceEditor::paintGutter(QPaintEvent* event)
{
    QPainter painter(m_gutter);
    painter.fillRect(event->rect(), palette().color(QPalette::Window));
    painter.setRenderHint(QPainter::Antialiasing);
    const int lineHeight = fontMetrics().height();
    for (QTextBlock block = firstVisibleBlock(); block.isValid(); block = block.next()) {
        const QRectF box = blockBoundingGeometry(block).translated(contentOffset());
        if (box.top() > event->rect().bottom()) {
            break;
        }
        const int line = block.blockNumber() + 1;
        const int top = static_cast<int>(box.top());
        if (m_breakpoints.contains(line)) {
            const int d = lineHeight - 4;
            painter.setBrush(kBreakpointColor);
            painter.setPen(Qt::NoPen);
            painter.drawEllipse(3, top + 2, d, d);
        }
        if (line == m_pausedLine) {
            painter.setBrush(QColor(0xf9, 0xa8, 0x25));
            painter.setPen(Qt::NoPen);
            const int x = 3 + lineHeight / 2;
            const int mid = top + lineHeight / 2;
            const QPointF arrow[] = {{double(x), double(mid - 4)},
                                     {double(x + 6), double(mid)},
                                     {double(x), double(mid + 4)}};
            painter.drawPolygon(arrow, 3);
        }
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(0, top, m_gutter->width() - 4, lineHeight, Qt::AlignRight,
                         QString::number(line));
    }
}

void SourceEditor::resizeEvent(QResizeEvent* event)
{
    QPlainTextEdit::resizeEvent(event);
    const QRect r = contentsRect();
    m_gutter->setGeometry(r.left(), r.top(), gutterWidth(), r.height());
}

void SourceEditor::keyPressEvent(QKeyEvent* event)
{
    if (event->key() == Qt::Key_F9 && event->modifiers() == Qt::NoModifier) {
        Q_EMIT breakpointToggled(textCursor().blockNumber() + 1);
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
}

SourcePane::SourcePane(DebugController* controller, QWidget* parent)
    : QWidget(parent), m_controller(controller), m_fileList(new QListWidget),
      m_editor(new SourceEditor)
{
    m_fileList->setObjectName(QStringLiteral("sourceFiles"));
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(m_fileList);
    splitter->addWidget(m_editor);
    splitter->setStretchFactor(1, 1);
    const int unit = fontMetrics().horizontalAdvance(QLatin1Char('m'));
    splitter->setSizes({16 * unit, 80 * unit}); // the list only as wide as file names need
    layout->addWidget(splitter);
    connect(m_fileList, &QListWidget::currentTextChanged, this, [this](const QString& file) {
        if (!file.isEmpty() && file != m_current) {
            openFile(file);
        }
    });
    connect(m_editor, &SourceEditor::breakpointToggled, this, &SourcePane::toggleBreakpoint);
}

void SourcePane::setPrefix(const QString& prefix)
{
    const QString absolute = QDir(prefix).absolutePath();
    if (absolute != m_prefix) {
        m_breakpoints.clear();
    } else {
        // A restarted engine on the same prefix: it starts with no breakpoints.
        for (auto it = m_breakpoints.cbegin(); it != m_breakpoints.cend(); ++it) {
            for (const int line : it.value()) {
                m_controller->setLineBreakpoint(it.key(), line, true);
            }
        }
    }
    m_prefix = absolute;
    m_current.clear();
    m_editor->clear();
    m_editor->setErrorLine(0);
    clearStop();
    m_fileList->clear();
    QStringList files;
    QDirIterator it(m_prefix + QStringLiteral("/lua"), {QStringLiteral("*.lua")}, QDir::Files,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        files << QDir(m_prefix).relativeFilePath(it.next());
    }
    files.sort();
    if (QFile::exists(m_prefix + QStringLiteral("/conf/nginx.conf"))) {
        files.prepend(QStringLiteral("conf/nginx.conf"));
    }
    m_fileList->addItems(files);
}

bool SourcePane::showErrorLine(const QString& file, int line)
{
    QString relative = file;
    if (QDir::isAbsolutePath(file)) {
        relative = QDir(m_prefix).relativeFilePath(file);
        if (relative.startsWith(QLatin1String(".."))) {
            return false;
        }
    }
    if (!openFile(relative)) {
        return false;
    }
    m_editor->setErrorLine(line);
    return true;
}

QStringList SourcePane::files() const
{
    QStringList out;
    for (int i = 0; i < m_fileList->count(); ++i) {
        out << m_fileList->item(i)->text();
    }
    return out;
}

bool SourcePane::openFile(const QString& file)
{
    QFile source(m_prefix + QLatin1Char('/') + file);
    if (!source.open(QIODevice::ReadOnly)) {
        return false;
    }
    m_current = file;
    m_editor->setErrorLine(0);
    m_editor->setPlainText(QString::fromUtf8(source.readAll()));
    m_editor->setBreakpointLines(m_breakpoints.value(file));
    m_editor->setPausedLine(file == m_stopFile ? m_stopLine : 0);
    const auto items = m_fileList->findItems(file, Qt::MatchExactly);
    if (!items.isEmpty()) {
        m_fileList->setCurrentItem(items.front());
    }
    return true;
}

void SourcePane::toggleBreakpoint(int line)
{
    // Breakpoints are Lua lines: conf/nginx.conf is shown, not stepped.
    if (m_current.endsWith(QLatin1String(".lua")) && line > 0) {
        setBreakpoint(m_current, line, !m_breakpoints.value(m_current).contains(line));
    }
}

void SourcePane::setBreakpoint(const QString& file, int line, bool enabled)
{
    auto& lines = m_breakpoints[file];
    if (line <= 0 || lines.contains(line) == enabled) {
        return;
    }
    if (enabled) {
        lines.insert(line);
    } else {
        lines.remove(line);
    }
    if (file == m_current) {
        m_editor->setBreakpointLines(lines);
    }
    m_controller->setLineBreakpoint(file, line, enabled);
}

QString SourcePane::relativeToPrefix(const QString& chunkSource) const
{
    QString path = chunkSource;
    if (path.startsWith(QLatin1Char('@'))) {
        path.remove(0, 1);
    }
    const QString base = m_prefix + QLatin1Char('/');
    const QString absolute = QDir::cleanPath(QDir(m_prefix).absoluteFilePath(path));
    return absolute.startsWith(base) ? absolute.mid(base.size()) : QString();
}

void SourcePane::showStop(const LineStopInfo& stop)
{
    m_stopFile = relativeToPrefix(stop.source);
    m_stopLine = stop.line;
    if (m_stopFile.isEmpty()) {
        m_editor->setPausedLine(0); // a conf block: no file to show
        return;
    }
    if (m_stopFile != m_current) {
        openFile(m_stopFile);
    } else {
        m_editor->setPausedLine(m_stopLine);
    }
}

void SourcePane::clearStop()
{
    m_stopFile.clear();
    m_stopLine = 0;
    m_editor->setPausedLine(0);
}

} // namespace restyscope::ui
