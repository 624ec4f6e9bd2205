#pragma once
// Design: what the built-in client sends, as a plain value: the method, the URL without its
// query, the query and header tables, and a body that is raw text, JSON or a form. The same
// value goes to the sender, the history file and the curl converter, so one equality says
// "the same request" everywhere.

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QUrl>

namespace restyscope::ui::client {

struct KeyValue
{
    QString name;
    QString value;
    bool enabled = true;
    friend bool operator==(const KeyValue&, const KeyValue&) = default;
};

enum class BodyKind { None, Raw, Json, Form };

struct ClientRequest
{
    QString method = QStringLiteral("GET");
    QString url; // absolute ("http://127.0.0.1:8080/api/x") or a path ("/api/x")
    QList<KeyValue> query;
    QList<KeyValue> headers;
    BodyKind bodyKind = BodyKind::None;
    QString body;         // Raw and Json
    QList<KeyValue> form; // Form: sent as application/x-www-form-urlencoded
    friend bool operator==(const ClientRequest&, const ClientRequest&) = default;

    // The URL that goes on the wire: a path resolves against base (the listener's URL);
    // the enabled query rows are appended, percent-encoded.
    QUrl resolvedUrl(const QUrl& base) const;
    // The body bytes as sent (the form encoded).
    QByteArray bodyBytes() const;
    // The enabled headers plus the Content-Type the body kind implies when none is given.
    QList<KeyValue> effectiveHeaders() const;
    // "" when the body is acceptable; for JSON the parser's message with its offset.
    QString bodyError() const;
    // resolvedUrl when the request can go out (an http or https URL with a host, an
    // acceptable body); else an empty QUrl and error says why. The sender and the burst
    // runner both check with it.
    QUrl sendableUrl(const QUrl& base, QString& error) const;

    QJsonObject toJson() const;
    static ClientRequest fromJson(const QJsonObject& object);
};

QString bodyKindName(BodyKind kind); // "none", "raw", "json", "form"
BodyKind bodyKindFromName(const QString& name);

// "3.42 ms", "12.3 ms": how the client shows a duration (history, response, burst).
QString durationText(double ms);

// "a=1&b=x%20y" <-> rows, decoding '+' as a space as nginx's arg parsing does.
QString encodeQuery(const QList<KeyValue>& rows);
QList<KeyValue> decodeQuery(const QString& query);

// Splits a typed URL into the request's url (without query) and query rows.
void setUrlWithQuery(ClientRequest& request, const QString& text);

// The URL field's text for a request: its url with the enabled query rows ("/api/x?a=1").
// The field and the Params table are one state; this is the table's side of it.
QString urlWithQuery(const ClientRequest& request);

// The Params table after the URL field's query was edited to urlRows (Postman's way): the
// enabled rows become the URL's, in order, and an unticked row stays where it was, since
// the URL cannot show it.
QList<KeyValue> mergeQueryRows(const QList<KeyValue>& tableRows, const QList<KeyValue>& urlRows);

} // namespace restyscope::ui::client
