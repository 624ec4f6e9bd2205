#include "ui/client/curlcommand.h"

#include <QJsonDocument>
#include <QJsonParseError>

namespace restyscope::ui::client {

namespace {

enum class DataOption { Ascii, Binary, UrlEncode };

struct DataPiece
{
    DataOption option;
    QString text;
};

bool isJsonType(const QString& contentType)
{
    return contentType.section(QLatin1Char(';'), 0, 0)
               .trimmed()
               .compare(QLatin1String("application/json"), Qt::CaseInsensitive) == 0;
}

bool isFormType(const QString& contentType)
{
    return contentType.section(QLatin1Char(';'), 0, 0)
               .trimmed()
               .compare(QLatin1String("application/x-www-form-urlencoded"), Qt::CaseInsensitive) ==
           0;
}

// curl's --data-urlencode forms: "content", "=content", "name=content" (name kept as is).
QString urlEncodePiece(const QString& text)
{
    const auto eq = text.indexOf(QLatin1Char('='));
    if (eq < 0) {
        return QString::fromLatin1(QUrl::toPercentEncoding(text));
    }
    const QString name = text.left(eq);
    const QString encoded = QString::fromLatin1(QUrl::toPercentEncoding(text.mid(eq + 1)));
    return name.isEmpty() ? encoded : name + QLatin1Char('=') + encoded;
}

// Basic credentials of an Authorization header, "user:password", when they are text.
QString basicCredentials(const QString& value)
{
    if (!value.startsWith(QLatin1String("Basic "), Qt::CaseInsensitive)) {
        return {};
    }
    const auto decoded = QByteArray::fromBase64(value.mid(6).trimmed().toLatin1(),
                                                QByteArray::AbortOnBase64DecodingErrors);
    const QString text = QString::fromUtf8(decoded);
    if (decoded.isEmpty() || !text.contains(QLatin1Char(':')) ||
        QString::fromLatin1(text.toUtf8().toBase64()) != value.mid(6).trimmed()) {
        return {};
    }
    return text;
}

} // namespace

QString shellQuote(const QString& word)
{
    static const QString safe =
        QStringLiteral("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@%+=,");
    bool plain = !word.isEmpty();
    for (const QChar c : word) {
        if (!safe.contains(c)) {
            plain = false;
            break;
        }
    }
    if (plain) {
        return word;
    }
    QString quoted = word;
    quoted.replace(QLatin1Char('\''), QLatin1String("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

std::optional<QStringList> shellWords(const QString& command)
{
    QStringList words;
    QString word;
    bool inWord = false;
    for (qsizetype i = 0; i < command.size(); ++i) {
        const QChar c = command.at(i);
        if (c == QLatin1Char('\'')) {
            const auto end = command.indexOf(QLatin1Char('\''), i + 1);
            if (end < 0) {
                return std::nullopt;
            }
            word += command.mid(i + 1, end - i - 1);
            inWord = true;
            i = end;
        } else if (c == QLatin1Char('"')) {
            inWord = true;
            qsizetype j = i + 1;
            for (; j < command.size() && command.at(j) != QLatin1Char('"'); ++j) {
                // Inside double quotes a backslash escapes only $ ` " \ and the newline.
                if (command.at(j) == QLatin1Char('\\') && j + 1 < command.size() &&
                    QStringLiteral("$`\"\\\n").contains(command.at(j + 1))) {
                    ++j;
                    if (command.at(j) == QLatin1Char('\n')) {
                        continue;
                    }
                }
                word += command.at(j);
            }
            if (j >= command.size()) {
                return std::nullopt;
            }
            i = j;
        } else if (c == QLatin1Char('\\')) {
            if (i + 1 < command.size()) {
                ++i;
                if (command.at(i) != QLatin1Char('\n')) { // backslash-newline: a continuation
                    word += command.at(i);
                    inWord = true;
                }
            }
        } else if (c.isSpace()) {
            if (inWord) {
                words << word;
                word.clear();
                inWord = false;
            }
        } else {
            word += c;
            inWord = true;
        }
    }
    if (inWord) {
        words << word;
    }
    return words;
}

QString toCurl(const ClientRequest& request, const QUrl& base)
{
    QStringList words{QStringLiteral("curl")};
    const QByteArray body = request.bodyBytes();
    const bool hasBody = request.bodyKind != BodyKind::None;
    const QString method = request.method.trimmed().toUpper();
    if (method == QLatin1String("HEAD") && !hasBody) {
        words << QStringLiteral("-I");
    } else if (method != (hasBody ? QLatin1String("POST") : QLatin1String("GET"))) {
        words << QStringLiteral("-X") << shellQuote(method);
    }
    for (const auto& header : request.effectiveHeaders()) {
        const QString credentials =
            header.name.compare(QLatin1String("Authorization"), Qt::CaseInsensitive) == 0
                ? basicCredentials(header.value)
                : QString();
        if (!credentials.isEmpty()) {
            words << QStringLiteral("-u") << shellQuote(credentials);
            continue;
        }
        words << QStringLiteral("-H")
              << shellQuote(header.name + QStringLiteral(": ") + header.value);
    }
    if (request.bodyKind == BodyKind::Form) {
        for (const auto& field : request.form) {
            if (field.enabled) {
                words << QStringLiteral("--data-urlencode")
                      << shellQuote(field.name + QLatin1Char('=') + field.value);
            }
        }
        if (body.isEmpty()) {
            words << QStringLiteral("--data-binary") << QStringLiteral("''");
        }
    } else if (hasBody) {
        words << QStringLiteral("--data-binary") << shellQuote(request.body);
    }
    words << shellQuote(request.resolvedUrl(base).toString(QUrl::FullyEncoded));
    return words.join(QLatin1Char(' '));
}

std::optional<ClientRequest> fromCurl(const QString& command, QString& error)
{
    const auto parsed = shellWords(command.trimmed());
    if (!parsed) {
        error = QObject::tr("unbalanced quote in the curl command");
        return std::nullopt;
    }
    QStringList words = *parsed;
    if (words.isEmpty() || words.front() != QLatin1String("curl")) {
        error = QObject::tr("not a curl command: it must start with \"curl\"");
        return std::nullopt;
    }
    words.removeFirst();

    ClientRequest request;
    QString method;
    QString url;
    bool get = false;
    bool head = false;
    QList<DataPiece> data;
    // Flags that change nothing the client models (output, progress, redirects, TLS).
    static const QStringList ignored{
        QStringLiteral("-s"),           QStringLiteral("--silent"),   QStringLiteral("-S"),
        QStringLiteral("--show-error"), QStringLiteral("-v"),         QStringLiteral("--verbose"),
        QStringLiteral("-i"),           QStringLiteral("--include"),  QStringLiteral("-L"),
        QStringLiteral("--location"),   QStringLiteral("-k"),         QStringLiteral("--insecure"),
        QStringLiteral("--compressed"), QStringLiteral("-f"),         QStringLiteral("--fail"),
        QStringLiteral("-N"),           QStringLiteral("--no-buffer")};
    for (qsizetype i = 0; i < words.size(); ++i) {
        QString option = words.at(i);
        QString value;
        bool attached = false;
        // "-XPOST", "-HName: v": a short option with its value attached.
        static const QString shortWithValue = QStringLiteral("XHdAeub");
        if (option.size() > 2 && option.at(0) == QLatin1Char('-') &&
            option.at(1) != QLatin1Char('-') && shortWithValue.contains(option.at(1))) {
            value = option.mid(2);
            option = option.left(2);
            attached = true;
        } else if (option.size() > 2 && option.at(0) == QLatin1Char('-') &&
                   option.at(1) != QLatin1Char('-')) {
            // "-sSLG": boolean short flags combined in one word.
            bool flagsOnly = true;
            for (const QChar flag : option.mid(1)) {
                flagsOnly = flagsOnly && QStringLiteral("sSvLikfNGI").contains(flag);
            }
            if (flagsOnly) {
                get = get || option.contains(QLatin1Char('G'));
                head = head || option.contains(QLatin1Char('I'));
                continue;
            }
        }
        auto takeValue = [&]() -> std::optional<QString> {
            if (attached) {
                return value;
            }
            if (i + 1 >= words.size()) {
                error = QObject::tr("option %1 needs a value").arg(option);
                return std::nullopt;
            }
            return words.at(++i);
        };
        if (ignored.contains(option)) {
            continue;
        }
        if (option == QLatin1String("-X") || option == QLatin1String("--request")) {
            const auto v = takeValue();
            if (!v) {
                return std::nullopt;
            }
            method = v->toUpper();
        } else if (option == QLatin1String("-H") || option == QLatin1String("--header")) {
            const auto v = takeValue();
            if (!v) {
                return std::nullopt;
            }
            const auto colon = v->indexOf(QLatin1Char(':'));
            if (colon <= 0) {
                error = QObject::tr("header without a colon: %1").arg(*v);
                return std::nullopt;
            }
            request.headers.append({v->left(colon).trimmed(), v->mid(colon + 1).trimmed()});
        } else if (option == QLatin1String("-A") || option == QLatin1String("--user-agent") ||
                   option == QLatin1String("-e") || option == QLatin1String("--referer") ||
                   option == QLatin1String("-b") || option == QLatin1String("--cookie")) {
            const auto v = takeValue();
            if (!v) {
                return std::nullopt;
            }
            const QString name =
                option == QLatin1String("-A") || option.contains(QLatin1String("agent"))
                    ? QStringLiteral("User-Agent")
                : option == QLatin1String("-e") || option.contains(QLatin1String("ref"))
                    ? QStringLiteral("Referer")
                    : QStringLiteral("Cookie");
            request.headers.append({name, *v});
        } else if (option == QLatin1String("-d") || option == QLatin1String("--data") ||
                   option == QLatin1String("--data-ascii") ||
                   option == QLatin1String("--data-raw") ||
                   option == QLatin1String("--data-binary") ||
                   option == QLatin1String("--data-urlencode")) {
            const auto v = takeValue();
            if (!v) {
                return std::nullopt;
            }
            const bool raw = option == QLatin1String("--data-raw");
            if (!raw && option != QLatin1String("--data-urlencode") &&
                v->startsWith(QLatin1Char('@'))) {
                error = QObject::tr("%1 @FILE is not supported: paste the data itself").arg(option);
                return std::nullopt;
            }
            if (option == QLatin1String("--data-urlencode") &&
                v->section(QLatin1Char('='), 0, 0).contains(QLatin1Char('@'))) {
                error = QObject::tr("--data-urlencode with @FILE is not supported");
                return std::nullopt;
            }
            data.append({option == QLatin1String("--data-urlencode") ? DataOption::UrlEncode
                         : option == QLatin1String("--data-binary")  ? DataOption::Binary
                                                                     : DataOption::Ascii,
                         *v});
        } else if (option == QLatin1String("-G") || option == QLatin1String("--get")) {
            get = true;
        } else if (option == QLatin1String("-I") || option == QLatin1String("--head")) {
            head = true;
        } else if (option == QLatin1String("-u") || option == QLatin1String("--user")) {
            const auto v = takeValue();
            if (!v) {
                return std::nullopt;
            }
            request.headers.append(
                {QStringLiteral("Authorization"),
                 QStringLiteral("Basic ") + QString::fromLatin1(v->toUtf8().toBase64())});
        } else if (option == QLatin1String("--url")) {
            const auto v = takeValue();
            if (!v) {
                return std::nullopt;
            }
            url = *v;
        } else if (option.startsWith(QLatin1Char('-')) && option.size() > 1) {
            error = QObject::tr("unsupported curl option: %1").arg(option);
            return std::nullopt;
        } else if (url.isEmpty()) {
            url = option;
        } else {
            error = QObject::tr("more than one URL: %1").arg(option);
            return std::nullopt;
        }
    }
    if (url.isEmpty()) {
        error = QObject::tr("the curl command has no URL");
        return std::nullopt;
    }
    setUrlWithQuery(request, url);

    QStringList joined;
    bool allUrlEncodedFields = !data.isEmpty();
    for (const auto& piece : data) {
        joined << (piece.option == DataOption::UrlEncode ? urlEncodePiece(piece.text) : piece.text);
        const auto eq = piece.text.indexOf(QLatin1Char('='));
        allUrlEncodedFields =
            allUrlEncodedFields && piece.option == DataOption::UrlEncode && eq > 0;
    }
    const QString dataText = joined.join(QLatin1Char('&'));
    if (get) {
        // -G: the data becomes the query, the method GET (or HEAD with -I).
        request.query.append(decodeQuery(dataText));
        request.method =
            method.isEmpty() ? (head ? QStringLiteral("HEAD") : QStringLiteral("GET")) : method;
        return request;
    }
    request.method = !method.isEmpty() ? method
                     : head            ? QStringLiteral("HEAD")
                     : data.isEmpty()  ? QStringLiteral("GET")
                                       : QStringLiteral("POST");
    if (data.isEmpty()) {
        return request;
    }
    qsizetype typeRow = -1;
    for (qsizetype i = 0; i < request.headers.size(); ++i) {
        if (request.headers.at(i).name.compare(QLatin1String("Content-Type"),
                                               Qt::CaseInsensitive) == 0) {
            typeRow = i;
        }
    }
    const QString contentType = typeRow >= 0 ? request.headers.at(typeRow).value : QString();
    QJsonParseError jsonError{};
    QJsonDocument::fromJson(dataText.toUtf8(), &jsonError);
    if (isJsonType(contentType) && jsonError.error == QJsonParseError::NoError) {
        request.bodyKind = BodyKind::Json;
        request.body = dataText;
        if (contentType == QLatin1String("application/json")) {
            request.headers.removeAt(typeRow); // the JSON body kind implies it
        }
    } else if (allUrlEncodedFields && (typeRow < 0 || isFormType(contentType))) {
        request.bodyKind = BodyKind::Form;
        for (const auto& piece : data) {
            const auto eq = piece.text.indexOf(QLatin1Char('='));
            request.form.append({piece.text.left(eq), piece.text.mid(eq + 1)});
        }
        if (contentType == QLatin1String("application/x-www-form-urlencoded")) {
            request.headers.removeAt(typeRow);
        }
    } else {
        request.bodyKind = BodyKind::Raw;
        request.body = dataText;
    }
    return request;
}

} // namespace restyscope::ui::client
