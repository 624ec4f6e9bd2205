#pragma once
// The client's response pane: a status line (status, time, size, the "show in runtime" link
// to the runtime's request), the body as pretty JSON, raw text or a hex dump (binary bodies
// start in hex), and the headers as received.

#include "ui/client/requestsender.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QPlainTextEdit;
class QTabWidget;
class QTreeWidget;

namespace restyscope::ui::client {

enum class BodyMode { Pretty, Raw, Hex };

class ResponseView : public QWidget
{
    Q_OBJECT
public:
    explicit ResponseView(QWidget* parent = nullptr);

    void clear();
    // A line in place of the status while nothing came back yet ("pending 2.1 s ...").
    void showPending(const QString& text);
    void showHead(const ClientResponse& response);
    void showResponse(const ClientResponse& response);
    void showPartialBody(const QByteArray& bodySoFar);

    void setBodyMode(BodyMode mode);
    BodyMode bodyMode() const;
    QString statusText() const;
    QString bodyText() const;
    quint64 runtimeRequestId() const { return m_runtimeId; }

    // The body as the mode shows it (for tests and the view).
    static QString formatBody(const QByteArray& body, BodyMode mode);
    // What a body looks like: JSON (by type or by parse) -> Pretty, binary -> Hex, else Raw.
    static BodyMode preferredMode(const QByteArray& body, const QByteArray& contentType);

Q_SIGNALS:
    void showInRuntime(quint64 requestId);

private:
    void renderBody();
    void setStatusLine(const ClientResponse& response, bool complete);

    QLabel* m_status;
    QLabel* m_link;
    QCheckBox* m_follow; // follow each response to its request in the runtime views
    quint64 m_followedId = 0;
    QTabWidget* m_tabs;
    QComboBox* m_mode;
    QPlainTextEdit* m_body;
    QTreeWidget* m_headers;
    QByteArray m_bodyBytes;
    quint64 m_runtimeId = 0;
};

} // namespace restyscope::ui::client
