#include "ui/client/dock/responseview.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QSettings>
#include <QStringDecoder>
#include <QSyntaxHighlighter>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace restyscope::ui::client {

namespace {

constexpr qsizetype kMaxShownBytes = 2 * 1024 * 1024;
constexpr qsizetype kMaxHexBytes = 64 * 1024;

// Keys, strings, numbers and literals of pretty-printed JSON, each its own colour.
class JsonHighlighter : public QSyntaxHighlighter
{
public:
    using QSyntaxHighlighter::QSyntaxHighlighter;
    bool enabled = false;

protected:
    void highlightBlock(const QString& text) override
    {
        if (!enabled) {
            return;
        }
        static const QRegularExpression token(QStringLiteral(
            R"("(?:[^"\\]|\\.)*"(\s*:)?|-?\b\d+(?:\.\d+)?(?:[eE][-+]?\d+)?\b|\b(?:true|false|null)\b)"));
        QTextCharFormat key;
        key.setForeground(QColor(0x1565c0));
        QTextCharFormat string;
        string.setForeground(QColor(0x2e7d32));
        QTextCharFormat number;
        number.setForeground(QColor(0xad1457));
        QTextCharFormat literal;
        literal.setForeground(QColor(0x6a1b9a));
        literal.setFontWeight(QFont::Bold);
        auto it = token.globalMatch(text);
        while (it.hasNext()) {
            const auto match = it.next();
            const QString word = match.captured(0);
            const QTextCharFormat& format = word.startsWith(QLatin1Char('"'))
                                                ? (match.capturedLength(1) > 0 ? key : string)
                                            : word.at(0).isLetter() ? literal
                                                                    : number;
            const auto length = match.capturedLength(1) > 0
                                    ? match.capturedStart(1) - match.capturedStart(0)
                                    : match.capturedLength(0);
            setFormat(static_cast<int>(match.capturedStart(0)), static_cast<int>(length), format);
        }
    }
};

bool isText(const QByteArray& body)
{
    if (body.contains('\0')) {
        return false;
    }
    auto decoder = QStringDecoder(QStringDecoder::Utf8);
    const QString text = decoder(body.left(kMaxHexBytes));
    return !decoder.hasError() || body.size() > kMaxHexBytes; // a cut may split a character
}

QString humanSize(qint64 bytes)
{
    if (bytes < 1024) {
        return QObject::tr("%1 B").arg(bytes);
    }
    if (bytes < 1024 * 1024) {
        return QObject::tr("%1 KiB").arg(double(bytes) / 1024.0, 0, 'f', 1);
    }
    return QObject::tr("%1 MiB").arg(double(bytes) / 1048576.0, 0, 'f', 1);
}

QString msText(qint64 ns)
{
    return durationText(double(ns) / 1e6);
}

QString statusColor(int status)
{
    if (status == 0 || status >= 500) {
        return QStringLiteral("#c62828");
    }
    if (status >= 400) {
        return QStringLiteral("#ef6c00");
    }
    if (status >= 300) {
        return QStringLiteral("#1565c0");
    }
    return QStringLiteral("#2e7d32");
}

} // namespace

ResponseView::ResponseView(QWidget* parent)
    : QWidget(parent), m_status(new QLabel), m_link(new QLabel),
      m_follow(new QCheckBox(tr("Follow"))), m_tabs(new QTabWidget), m_mode(new QComboBox),
      m_body(new QPlainTextEdit), m_headers(new QTreeWidget)
{
    m_status->setObjectName(QStringLiteral("responseStatus"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_link->setObjectName(QStringLiteral("runtimeLink"));
    m_link->setToolTip(tr("Select this request in the Requests, Coroutines and Events views"));
    connect(m_link, &QLabel::linkActivated, this, [this] {
        if (m_runtimeId != 0) {
            Q_EMIT showInRuntime(m_runtimeId);
        }
    });
    m_follow->setObjectName(QStringLiteral("followRuntime"));
    m_follow->setToolTip(tr("Show each response's request in the runtime views as soon as "
                            "its head arrives"));
    m_follow->setChecked(QSettings().value(QStringLiteral("client/followRuntime")).toBool());
    connect(m_follow, &QCheckBox::toggled, this,
            [](bool on) { QSettings().setValue(QStringLiteral("client/followRuntime"), on); });
    m_mode->setObjectName(QStringLiteral("bodyMode"));
    m_mode->addItems({tr("Pretty"), tr("Raw"), tr("Hex")});
    connect(m_mode, &QComboBox::currentIndexChanged, this, &ResponseView::renderBody);
    m_body->setObjectName(QStringLiteral("responseBody"));
    m_body->setReadOnly(true);
    m_body->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_body->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    new JsonHighlighter(m_body->document());
    m_headers->setObjectName(QStringLiteral("responseHeaders"));
    m_headers->setColumnCount(2);
    m_headers->setHeaderLabels({tr("Header"), tr("Value")});
    m_headers->setRootIsDecorated(false);
    m_headers->setAlternatingRowColors(true);
    m_headers->header()->resizeSection(0, 180);

    auto* statusRow = new QHBoxLayout;
    statusRow->setContentsMargins(2, 2, 2, 2);
    statusRow->addWidget(m_status, 1);
    statusRow->addWidget(m_link);
    statusRow->addWidget(m_follow);

    auto* bodyPane = new QWidget;
    auto* bodyLayout = new QVBoxLayout(bodyPane);
    bodyLayout->setContentsMargins(0, 0, 0, 0);
    bodyLayout->setSpacing(2);
    bodyLayout->addWidget(m_body, 1);
    m_tabs->addTab(bodyPane, tr("Body"));
    m_tabs->addTab(m_headers, tr("Headers"));
    m_tabs->setCornerWidget(m_mode, Qt::TopRightCorner);
    m_tabs->setDocumentMode(true);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(statusRow);
    layout->addWidget(m_tabs, 1);
    clear();
}

void ResponseView::clear()
{
    m_runtimeId = 0;
    m_bodyBytes.clear();
    m_status->setText(tr("<span style=\"color:gray\">No response yet: Send (Ctrl+Enter)</span>"));
    m_link->clear();
    m_headers->clear();
    renderBody();
}

void ResponseView::showPending(const QString& text)
{
    m_status->setText(text);
}

void ResponseView::setStatusLine(const ClientResponse& response, bool complete)
{
    QString line;
    if (response.status == 0) {
        line = QStringLiteral("<b style=\"color:#c62828\">%1</b>")
                   .arg((response.error.isEmpty() ? tr("no response") : response.error)
                            .toHtmlEscaped());
    } else {
        line = QStringLiteral("<span style=\"background:%1;color:white;font-weight:bold\">"
                              "&nbsp;%2 %3&nbsp;</span>")
                   .arg(statusColor(response.status))
                   .arg(response.status)
                   .arg(response.reason.toHtmlEscaped());
    }
    if (complete) {
        line += QStringLiteral("&nbsp;&nbsp;%1&nbsp;&nbsp;&middot;&nbsp;&nbsp;%2")
                    .arg(msText(response.totalNs), humanSize(response.body.size()));
    } else {
        line +=
            tr("&nbsp;&nbsp;head after %1, receiving the body\u2026").arg(msText(response.headNs));
    }
    m_status->setText(line);
    m_runtimeId = response.runtimeRequestId;
    m_link->setText(
        m_runtimeId
            ? tr("<a href=\"runtime\">request %1 &rarr; show in runtime</a>").arg(m_runtimeId)
            : QString());
    if (m_runtimeId != 0 && m_runtimeId != m_followedId && m_follow->isChecked()) {
        m_followedId = m_runtimeId;
        Q_EMIT showInRuntime(m_runtimeId);
    }
}

void ResponseView::showHead(const ClientResponse& response)
{
    setStatusLine(response, false);
    m_headers->clear();
    for (const auto& [name, value] : response.headers) {
        m_headers->addTopLevelItem(
            new QTreeWidgetItem({QString::fromLatin1(name), QString::fromUtf8(value)}));
    }
}

void ResponseView::showResponse(const ClientResponse& response)
{
    showHead(response);
    setStatusLine(response, true);
    m_bodyBytes = response.body;
    QByteArray contentType;
    for (const auto& [name, value] : response.headers) {
        if (name.compare("Content-Type", Qt::CaseInsensitive) == 0) {
            contentType = value;
        }
    }
    const BodyMode mode = preferredMode(m_bodyBytes, contentType);
    if (m_mode->currentIndex() == static_cast<int>(mode)) {
        renderBody();
    } else {
        m_mode->setCurrentIndex(static_cast<int>(mode)); // renders
    }
}

void ResponseView::showPartialBody(const QByteArray& bodySoFar)
{
    m_bodyBytes = bodySoFar;
    const BodyMode mode = preferredMode(m_bodyBytes, {});
    if (m_mode->currentIndex() == static_cast<int>(mode)) {
        renderBody();
    } else {
        m_mode->setCurrentIndex(static_cast<int>(mode));
    }
}

void ResponseView::setBodyMode(BodyMode mode)
{
    m_mode->setCurrentIndex(static_cast<int>(mode));
}

BodyMode ResponseView::bodyMode() const
{
    return static_cast<BodyMode>(m_mode->currentIndex());
}

QString ResponseView::statusText() const
{
    return m_status->text();
}

QString ResponseView::bodyText() const
{
    return m_body->toPlainText();
}

void ResponseView::renderBody()
{
    auto* highlighter = m_body->document()->findChild<JsonHighlighter*>();
    const QString text = formatBody(m_bodyBytes, bodyMode());
    if (highlighter) {
        // Only valid JSON gets colours; its pretty form is what Pretty shows then.
        highlighter->enabled = bodyMode() == BodyMode::Pretty && !m_bodyBytes.isEmpty() &&
                               !QJsonDocument::fromJson(m_bodyBytes).isNull();
    }
    m_body->setPlainText(text);
}

QString ResponseView::formatBody(const QByteArray& body, BodyMode mode)
{
    if (mode == BodyMode::Hex) {
        QString dump;
        const qsizetype shown = std::min(body.size(), kMaxHexBytes);
        for (qsizetype offset = 0; offset < shown; offset += 16) {
            const QByteArray line = body.mid(offset, 16);
            QString hex;
            QString ascii;
            for (qsizetype i = 0; i < 16; ++i) {
                if (i < line.size()) {
                    const auto byte = static_cast<unsigned char>(line.at(i));
                    hex += QStringLiteral("%1 ").arg(byte, 2, 16, QLatin1Char('0'));
                    ascii +=
                        byte >= 0x20 && byte < 0x7f ? QLatin1Char(char(byte)) : QLatin1Char('.');
                } else {
                    hex += QStringLiteral("   ");
                }
                if (i == 7) {
                    hex += QLatin1Char(' ');
                }
            }
            dump += QStringLiteral("%1  %2 |%3|\n")
                        .arg(offset, 8, 16, QLatin1Char('0'))
                        .arg(hex, ascii);
        }
        if (body.size() > shown) {
            dump += tr("... %1 more bytes\n").arg(body.size() - shown);
        }
        return dump;
    }
    if (!isText(body) && mode == BodyMode::Pretty) {
        return formatBody(body, BodyMode::Hex);
    }
    if (mode == BodyMode::Pretty) {
        const QJsonDocument json = QJsonDocument::fromJson(body);
        if (!json.isNull()) {
            return QString::fromUtf8(json.toJson(QJsonDocument::Indented));
        }
    }
    QString text = QString::fromUtf8(body.left(kMaxShownBytes));
    if (body.size() > kMaxShownBytes) {
        text += tr("\n... %1 more bytes").arg(body.size() - kMaxShownBytes);
    }
    return text;
}

BodyMode ResponseView::preferredMode(const QByteArray& body, const QByteArray& contentType)
{
    if (!isText(body)) {
        return BodyMode::Hex;
    }
    if (contentType.contains("json") || !QJsonDocument::fromJson(body).isNull()) {
        return BodyMode::Pretty;
    }
    return BodyMode::Raw;
}

} // namespace restyscope::ui::client
