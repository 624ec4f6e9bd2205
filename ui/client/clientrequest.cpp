#include "ui/client/clientrequest.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

namespace restyscope::ui::client {

namespace {

QJsonArray rowsToJson(const QList<KeyValue>& rows)
{
    QJsonArray array;
    for (const auto& row : rows) {
        QJsonObject object{{QStringLiteral("name"), row.name},
                           {QStringLiteral("value"), row.value}};
        if (!row.enabled) {
            object.insert(QStringLiteral("enabled"), false);
        }
        array.append(object);
    }
    return array;
}

QList<KeyValue> rowsFromJson(const QJsonValue& value)
{
    QList<KeyValue> rows;
    const QJsonArray array = value.toArray();
    for (const auto& item : array) {
        const QJsonObject object = item.toObject();
        rows.append({object.value(QStringLiteral("name")).toString(),
                     object.value(QStringLiteral("value")).toString(),
                     object.value(QStringLiteral("enabled")).toBool(true)});
    }
    return rows;
}

QString percentEncoded(const QString& text)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(text));
}

QString percentDecoded(QString text)
{
    text.replace(QLatin1Char('+'), QLatin1Char(' '));
    return QUrl::fromPercentEncoding(text.toUtf8());
}

bool hasHeader(const QList<KeyValue>& headers, QLatin1String name)
{
    for (const auto& header : headers) {
        if (header.enabled && header.name.compare(name, Qt::CaseInsensitive) == 0) {
            return true;
        }
    }
    return false;
}

} // namespace

QString bodyKindName(BodyKind kind)
{
    switch (kind) {
    case BodyKind::None: return QStringLiteral("none");
    case BodyKind::Raw: return QStringLiteral("raw");
    case BodyKind::Json: return QStringLiteral("json");
    case BodyKind::Form: return QStringLiteral("form");
    }
    return QStringLiteral("none");
}

BodyKind bodyKindFromName(const QString& name)
{
    for (const auto kind : {BodyKind::Raw, BodyKind::Json, BodyKind::Form}) {
        if (name == bodyKindName(kind)) {
            return kind;
        }
    }
    return BodyKind::None;
}

QString encodeQuery(const QList<KeyValue>& rows)
{
    QStringList parts;
    for (const auto& row : rows) {
        if (!row.enabled) {
            continue;
        }
        // An empty value goes as the bare name ("?debug"), as people type flags.
        parts << (row.value.isEmpty()
                      ? percentEncoded(row.name)
                      : percentEncoded(row.name) + QLatin1Char('=') + percentEncoded(row.value));
    }
    return parts.join(QLatin1Char('&'));
}

QList<KeyValue> decodeQuery(const QString& query)
{
    QList<KeyValue> rows;
    const auto parts = query.split(QLatin1Char('&'), Qt::SkipEmptyParts);
    for (const auto& part : parts) {
        const auto eq = part.indexOf(QLatin1Char('='));
        if (eq < 0) {
            rows.append({percentDecoded(part), QString()});
        } else {
            rows.append({percentDecoded(part.left(eq)), percentDecoded(part.mid(eq + 1))});
        }
    }
    return rows;
}

void setUrlWithQuery(ClientRequest& request, const QString& text)
{
    const QString trimmed = text.trimmed();
    const auto question = trimmed.indexOf(QLatin1Char('?'));
    if (question < 0) {
        request.url = trimmed;
        return;
    }
    request.url = trimmed.left(question);
    QString query = trimmed.mid(question + 1);
    const auto hash = query.indexOf(QLatin1Char('#'));
    if (hash >= 0) {
        query.truncate(hash);
    }
    request.query.append(decodeQuery(query));
}

QString urlWithQuery(const ClientRequest& request)
{
    const QString query = encodeQuery(request.query);
    return query.isEmpty() ? request.url : request.url + QLatin1Char('?') + query;
}

QList<KeyValue> mergeQueryRows(const QList<KeyValue>& tableRows, const QList<KeyValue>& urlRows)
{
    QList<KeyValue> merged;
    qsizetype next = 0;
    for (const auto& row : tableRows) {
        if (!row.enabled) {
            merged.append(row);
        } else if (next < urlRows.size()) {
            merged.append(urlRows.at(next++));
        }
    }
    for (; next < urlRows.size(); ++next) {
        merged.append(urlRows.at(next));
    }
    return merged;
}

QUrl ClientRequest::resolvedUrl(const QUrl& base) const
{
    QString text = url.trimmed();
    if (text.isEmpty()) {
        text = QStringLiteral("/");
    }
    QUrl target;
    if (text.startsWith(QLatin1Char('/'))) {
        target = base.resolved(QUrl(text, QUrl::TolerantMode));
    } else if (!text.contains(QLatin1String("://"))) {
        target = QUrl(QStringLiteral("http://") + text, QUrl::TolerantMode); // "host:port/path"
    } else {
        target = QUrl(text, QUrl::TolerantMode);
    }
    const QString query = encodeQuery(this->query);
    if (!query.isEmpty()) {
        target.setQuery(query, QUrl::StrictMode);
    }
    return target;
}

QByteArray ClientRequest::bodyBytes() const
{
    switch (bodyKind) {
    case BodyKind::None: return {};
    case BodyKind::Raw:
    case BodyKind::Json: return body.toUtf8();
    case BodyKind::Form: return encodeQuery(form).toUtf8();
    }
    return {};
}

QList<KeyValue> ClientRequest::effectiveHeaders() const
{
    QList<KeyValue> result;
    for (const auto& header : headers) {
        if (header.enabled && !header.name.trimmed().isEmpty()) {
            result.append(header);
        }
    }
    const bool typed = hasHeader(headers, QLatin1String("Content-Type"));
    if (!typed && bodyKind == BodyKind::Json) {
        result.append({QStringLiteral("Content-Type"), QStringLiteral("application/json")});
    } else if (!typed && bodyKind == BodyKind::Form) {
        result.append(
            {QStringLiteral("Content-Type"), QStringLiteral("application/x-www-form-urlencoded")});
    }
    return result;
}

QString ClientRequest::bodyError() const
{
    if (bodyKind != BodyKind::Json) {
        return {};
    }
    QJsonParseError error{};
    QJsonDocument::fromJson(body.toUtf8(), &error);
    if (error.error == QJsonParseError::NoError) {
        return {};
    }
    return QObject::tr("invalid JSON at offset %1: %2").arg(error.offset).arg(error.errorString());
}

QString durationText(double ms)
{
    return QString::number(ms, 'f', ms < 10 ? 2 : 1) + QStringLiteral(" ms");
}

QUrl ClientRequest::sendableUrl(const QUrl& base, QString& error) const
{
    const QUrl url = resolvedUrl(base);
    if (!url.isValid() || url.host().isEmpty() ||
        (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))) {
        error = QObject::tr("not an http URL: %1").arg(url.toString());
        return {};
    }
    error = bodyError();
    return error.isEmpty() ? url : QUrl();
}

QJsonObject ClientRequest::toJson() const
{
    QJsonObject object{{QStringLiteral("method"), method},
                       {QStringLiteral("url"), url},
                       {QStringLiteral("query"), rowsToJson(query)},
                       {QStringLiteral("headers"), rowsToJson(headers)},
                       {QStringLiteral("bodyKind"), bodyKindName(bodyKind)}};
    if (bodyKind == BodyKind::Form) {
        object.insert(QStringLiteral("form"), rowsToJson(form));
    } else if (bodyKind != BodyKind::None) {
        object.insert(QStringLiteral("body"), body);
    }
    return object;
}

ClientRequest ClientRequest::fromJson(const QJsonObject& object)
{
    ClientRequest request;
    request.method = object.value(QStringLiteral("method")).toString(QStringLiteral("GET"));
    request.url = object.value(QStringLiteral("url")).toString();
    request.query = rowsFromJson(object.value(QStringLiteral("query")));
    request.headers = rowsFromJson(object.value(QStringLiteral("headers")));
    request.bodyKind = bodyKindFromName(object.value(QStringLiteral("bodyKind")).toString());
    request.body = object.value(QStringLiteral("body")).toString();
    request.form = rowsFromJson(object.value(QStringLiteral("form")));
    return request;
}

} // namespace restyscope::ui::client
