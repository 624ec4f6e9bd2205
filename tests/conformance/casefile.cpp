// Design: a case file is a list of "=== kind args" sections (README.md). The parser keeps
// request text as written; encodeRequest() turns it into bytes per server, because the
// port (and so Host or Content-Length) may differ between the two servers.

#include "casefile.h"

#include <QFile>
#include <QHash>
#include <QRegularExpression>

namespace restyscope::conformance {

namespace {

const QStringList kAssertVerbs = {
    QStringLiteral("status"),  QStringLiteral("closed"),        QStringLiteral("response"),
    QStringLiteral("framing"), QStringLiteral("header"),        QStringLiteral("no-header"),
    QStringLiteral("body"),    QStringLiteral("body-contains"), QStringLiteral("body-matches"),
    QStringLiteral("interim"), QStringLiteral("elapsed"),       QStringLiteral("closed-at"),
};

struct Section
{
    QString kind;
    QString args;
    int line = 0; // line of the "===" header, 1-based
    QStringList lines;
};

bool isBlank(const QString& line)
{
    return line.trimmed().isEmpty();
}

void trimBlankLines(QStringList* lines, bool leading)
{
    while (!lines->isEmpty() && isBlank(lines->last())) {
        lines->removeLast();
    }
    while (leading && !lines->isEmpty() && isBlank(lines->first())) {
        lines->removeFirst();
    }
}

QList<Section> splitSections(const QString& text)
{
    QList<Section> sections;
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (int i = 0; i < lines.size(); ++i) {
        QString line = lines.at(i);
        if (line.endsWith(QLatin1Char('\r'))) {
            line.chop(1);
        }
        if (line.startsWith(QLatin1String("=== ")) || line == QLatin1String("===")) {
            Section section;
            const QString header = line.mid(4).trimmed();
            const qsizetype space = header.indexOf(QLatin1Char(' '));
            section.kind = space < 0 ? header : header.left(space);
            section.args = space < 0 ? QString() : header.mid(space + 1).trimmed();
            section.line = i + 1;
            sections.append(section);
            continue;
        }
        if (sections.isEmpty()) {
            continue; // free text before the first section
        }
        if (line.startsWith(QLatin1String("\\==="))) {
            line.remove(0, 1);
        }
        sections.last().lines.append(line);
    }
    return sections;
}

QString location(const QString& path, int line)
{
    return path + QLatin1Char(':') + QString::number(line) + QLatin1String(": ");
}

bool parseInt(const QString& value, int* out)
{
    bool ok = false;
    const int number = value.toInt(&ok);
    if (!ok || number < 0) {
        return false;
    }
    *out = number;
    return true;
}

bool parseOptions(const QString& args, RequestOptions* options, QString* error)
{
    const QStringList tokens = args.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    for (const QString& token : tokens) {
        const qsizetype eq = token.indexOf(QLatin1Char('='));
        const QString key = eq < 0 ? token : token.left(eq);
        const QString value = eq < 0 ? QString() : token.mid(eq + 1);
        const bool hasValue = eq >= 0;
        bool ok = true;
        if (key == QLatin1String("raw") && !hasValue) {
            options->raw = true;
        } else if (key == QLatin1String("pipeline") && !hasValue) {
            options->pipeline = true;
        } else if (key == QLatin1String("shut-wr") && !hasValue) {
            options->shutWrite = true;
        } else if (key == QLatin1String("abort")) {
            options->abortMs = 0;
            ok = !hasValue || parseInt(value, &options->abortMs);
        } else if (key == QLatin1String("name") && hasValue) {
            options->name = value;
        } else if (key == QLatin1String("conn") && hasValue && !value.isEmpty()) {
            options->connection = value;
        } else if (key == QLatin1String("split") && hasValue) {
            ok = parseInt(value, &options->splitSize) && options->splitSize > 0;
        } else if (key == QLatin1String("cuts") && hasValue) {
            options->cuts = value.split(QLatin1Char(','), Qt::SkipEmptyParts);
            for (const QString& cut : std::as_const(options->cuts)) {
                int offset = 0;
                ok = ok && (cut == QLatin1String("head") || parseInt(cut, &offset));
            }
        } else if (key == QLatin1String("delay") && hasValue) {
            ok = parseInt(value, &options->delayMs);
        } else if (key == QLatin1String("pause") && hasValue) {
            ok = parseInt(value, &options->pauseMs);
        } else if (key == QLatin1String("timeout") && hasValue) {
            ok = parseInt(value, &options->timeoutMs);
        } else if (key == QLatin1String("close-wait") && hasValue) {
            ok = parseInt(value, &options->closeWaitMs);
        } else if (key == QLatin1String("timing") && hasValue) {
            ok = parseInt(value, &options->timingMs);
        } else if (key == QLatin1String("port") && hasValue) {
            ok = parseInt(value, &options->port) && options->port >= 1 && options->port <= 9;
        } else {
            *error = QLatin1String("unknown request option \"") + token + QLatin1Char('"');
            return false;
        }
        if (!ok) {
            *error = QLatin1String("bad value in request option \"") + token + QLatin1Char('"');
            return false;
        }
    }
    return true;
}

bool parseHeaderRules(const QStringList& lines, QList<HeaderRule>* rules, QString* error)
{
    const QString text = lines.join(QLatin1Char(' '));
    const QStringList tokens =
        text.split(QRegularExpression(QStringLiteral("[\\s,]+")), Qt::SkipEmptyParts);
    for (QString token : tokens) {
        const bool remove = token.startsWith(QLatin1Char('-'));
        const bool presence = token.endsWith(QLatin1Char('?'));
        if (remove) {
            token.remove(0, 1);
        }
        if (presence) {
            token.chop(1);
        }
        token = token.toLower();
        if (token.isEmpty() || (remove && presence)) {
            *error = QLatin1String("bad header rule \"") + token + QLatin1Char('"');
            return false;
        }
        rules->removeIf([&](const HeaderRule& rule) { return rule.name == token; });
        if (!remove) {
            rules->append({token, presence});
        }
    }
    return true;
}

QList<HeaderRule> defaultHeaderRules()
{
    return {{QStringLiteral("content-type"), false},
            {QStringLiteral("content-length"), true},
            {QStringLiteral("transfer-encoding"), false},
            {QStringLiteral("location"), false},
            {QStringLiteral("connection"), false}};
}

// Connection ids: a pipelined request shares its successor's connection; conn=NAME
// requests share one; every other request opens its own.
bool resolveConnections(Case* c, QString* error)
{
    QHash<QString, int> named;
    int next = 0;
    for (qsizetype i = 0; i < c->requests.size(); ++i) {
        Request& request = c->requests[i];
        const Request* previous = i > 0 ? &c->requests.at(i - 1) : nullptr;
        if (previous && previous->options.pipeline) {
            const QString& name = request.options.connection;
            if (!name.isEmpty() && named.value(name, -1) != previous->connection) {
                *error = location(c->path, request.line) +
                         QLatin1String("a pipelined request continues its predecessor's "
                                       "connection; conn= cannot name another");
                return false;
            }
            request.connection = previous->connection;
        } else if (!request.options.connection.isEmpty()) {
            request.connection = named.value(request.options.connection, next);
            if (request.connection == next) {
                named.insert(request.options.connection, next++);
            }
        } else {
            request.connection = next++;
        }
        if (previous && previous->options.pipeline &&
            (previous->options.abortMs >= 0 || previous->options.shutWrite)) {
            *error = location(c->path, previous->line) +
                     QLatin1String("abort/shut-wr go on the last request of a pipeline");
            return false;
        }
    }
    if (!c->requests.isEmpty() && c->requests.last().options.pipeline) {
        *error = location(c->path, c->requests.last().line) +
                 QLatin1String("the last request cannot be pipelined with a next one");
        return false;
    }
    QHash<int, bool> seen;
    for (qsizetype i = c->requests.size() - 1; i >= 0; --i) {
        Request& request = c->requests[i];
        request.lastOnConnection = !seen.contains(request.connection);
        seen.insert(request.connection, true);
    }
    return true;
}

int highestPort(const QString& text)
{
    static const QRegularExpression re(QStringLiteral("@PORT([1-9])?@"));
    int highest = 1;
    auto it = re.globalMatch(text);
    while (it.hasNext()) {
        const auto match = it.next();
        if (match.hasCaptured(1)) {
            highest = std::max(highest, match.captured(1).toInt());
        }
    }
    return highest;
}

QByteArray expandRepeats(const QByteArray& line)
{
    static const QRegularExpression re(QStringLiteral("(?<!\\\\)\\{\\{(\\d+)\\*(.*?)\\}\\}"));
    const QString text = QString::fromLatin1(line);
    if (!text.contains(QLatin1String("{{"))) {
        return line;
    }
    QString out;
    qsizetype last = 0;
    auto it = re.globalMatch(text);
    while (it.hasNext()) {
        const auto match = it.next();
        out += text.mid(last, match.capturedStart() - last);
        out += match.captured(2).repeated(match.captured(1).toInt());
        last = match.capturedEnd();
    }
    out += text.mid(last);
    return out.toLatin1();
}

bool hasHeader(const QList<QByteArray>& head, const char* name)
{
    const QByteArray prefix = QByteArray(name) + ':';
    for (qsizetype i = 1; i < head.size(); ++i) {
        if (head.at(i).toLower().startsWith(prefix)) {
            return true;
        }
    }
    return false;
}

} // namespace

QString Request::label() const
{
    QString text = options.name;
    if (text.isEmpty() && !lines.isEmpty()) {
        text = lines.first();
        if (options.raw && text.contains(QLatin1String("\\r\\n"))) {
            text = text.left(text.indexOf(QLatin1String("\\r\\n")));
        }
        for (QChar& ch : text) {
            if (ch.unicode() < 0x20 || ch.unicode() > 0x7e) {
                ch = QLatin1Char('?');
            }
        }
        if (text.size() > 48) {
            text = text.left(45) + QLatin1String("...");
        }
    }
    if (text.isEmpty()) {
        text = QStringLiteral("(nothing sent)");
    }
    return QString::number(index) + QLatin1Char(' ') + text;
}

bool Case::hasLogChecks() const
{
    return !errorLog.isEmpty() || !noErrorLog.isEmpty() || !compareLog.isEmpty();
}

QByteArray Substitutions::apply(QByteArray text) const
{
    if (!text.contains('@')) {
        return text;
    }
    for (qsizetype i = 0; i < ports.size(); ++i) {
        const QByteArray port = QByteArray::number(ports.at(i));
        text.replace(QByteArray("@PORT" + QByteArray::number(i + 1) + '@'), port);
        if (i == 0) {
            text.replace("@PORT@", port);
        }
    }
    text.replace("@PREFIX@", prefix.toUtf8());
    return text;
}

QByteArray unescape(const QByteArray& text)
{
    QByteArray out;
    out.reserve(text.size());
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char ch = text.at(i);
        if (ch != '\\' || i + 1 >= text.size()) {
            out += ch;
            continue;
        }
        const char next = text.at(i + 1);
        switch (next) {
        case 'r':
            out += '\r';
            ++i;
            break;
        case 'n':
            out += '\n';
            ++i;
            break;
        case 't':
            out += '\t';
            ++i;
            break;
        case '0':
            out += '\0';
            ++i;
            break;
        case '\\':
            out += '\\';
            ++i;
            break;
        case '{':
            out += '{';
            ++i;
            break;
        case 'x': {
            bool ok = false;
            const int value = text.mid(i + 2, 2).toInt(&ok, 16);
            if (ok && i + 3 < text.size()) {
                out += char(value);
                i += 3;
            } else {
                out += ch;
            }
            break;
        }
        default: out += ch; break; // unknown escape: the backslash is literal
        }
    }
    return out;
}

QByteArray encodeRequest(const Request& request, const Substitutions& subst)
{
    QList<QByteArray> lines;
    for (const QString& line : request.lines) {
        lines.append(expandRepeats(subst.apply(line.toUtf8())));
    }
    if (request.options.raw) {
        QByteArray out;
        for (const QByteArray& line : std::as_const(lines)) {
            out += unescape(line);
        }
        return out;
    }
    QList<QByteArray> head;
    QList<QByteArray> body;
    bool inBody = false;
    for (const QByteArray& line : std::as_const(lines)) {
        if (!inBody && line.isEmpty()) {
            inBody = true;
            continue;
        }
        (inBody ? body : head).append(unescape(line));
    }
    QByteArray bodyBytes;
    for (qsizetype i = 0; i < body.size(); ++i) {
        bodyBytes += (i ? "\r\n" : "") + body.at(i);
    }
    // Shorthand "METHOD URI": completed into an HTTP/1.1 request like Test::Nginx does.
    if (!head.isEmpty() && head.first().split(' ').count() == 2 && !head.first().contains("  ")) {
        head.first() += " HTTP/1.1";
        if (!hasHeader(head, "host")) {
            head.insert(1, "Host: localhost");
        }
        if (request.lastOnConnection && !hasHeader(head, "connection")) {
            head.append("Connection: close");
        }
        if (!bodyBytes.isEmpty() && !hasHeader(head, "content-length") &&
            !hasHeader(head, "transfer-encoding")) {
            head.append("Content-Length: " + QByteArray::number(bodyBytes.size()));
        }
    }
    QByteArray out;
    for (const QByteArray& line : std::as_const(head)) {
        out += line + "\r\n";
    }
    return out + "\r\n" + bodyBytes;
}

bool parseCase(const QString& filePath, const QString& id, Case* out, QString* error)
{
    QFile file(filePath);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = filePath + QLatin1String(": cannot open: ") + file.errorString();
        return false;
    }
    Case c;
    c.id = id;
    c.path = filePath;
    c.headers = defaultHeaderRules();
    const QList<Section> sections = splitSections(QString::fromUtf8(file.readAll()));
    QString allText;
    for (Section section : sections) {
        const QString where = location(filePath, section.line);
        const bool isRequest = section.kind == QLatin1String("request");
        trimBlankLines(&section.lines, isRequest);
        const QString body = section.lines.join(QLatin1Char('\n'));
        if (!isRequest) {
            allText += body + QLatin1Char('\n');
        }
        if (section.kind == QLatin1String("description")) {
            c.description = body;
        } else if (section.kind == QLatin1String("main")) {
            c.mainConf += body + QLatin1Char('\n');
        } else if (section.kind == QLatin1String("http")) {
            c.httpConf += body + QLatin1Char('\n');
        } else if (section.kind == QLatin1String("server")) {
            c.serverConf += body + QLatin1Char('\n');
            c.hasServer = true;
        } else if (section.kind == QLatin1String("file")) {
            if (section.args.isEmpty() || section.args.startsWith(QLatin1Char('/')) ||
                section.args.contains(QLatin1String(".."))) {
                *error = where + QLatin1String("=== file needs a relative path inside the prefix");
                return false;
            }
            const QByteArray content =
                section.lines.isEmpty() ? QByteArray() : body.toUtf8() + '\n';
            c.files.append({section.args, content, int(c.requests.size()) + 1});
        } else if (section.kind == QLatin1String("headers")) {
            if (!parseHeaderRules(section.lines + QStringList{section.args}, &c.headers, error)) {
                *error = where + *error;
                return false;
            }
        } else if (isRequest) {
            Request request;
            request.index = int(c.requests.size()) + 1;
            request.line = section.line;
            request.lines = section.lines;
            if (!parseOptions(section.args, &request.options, error)) {
                *error = where + *error;
                return false;
            }
            if (request.lines.isEmpty() && !request.options.raw) {
                *error = where + QLatin1String("empty request (an empty raw request connects "
                                               "and sends nothing)");
                return false;
            }
            c.requests.append(request);
        } else if (section.kind == QLatin1String("assert")) {
            if (c.requests.isEmpty()) {
                *error = where + QLatin1String("=== assert must follow a request");
                return false;
            }
            for (const QString& line : std::as_const(section.lines)) {
                const QString verb = line.section(QLatin1Char(' '), 0, 0);
                if (line.trimmed().isEmpty()) {
                    continue;
                }
                if (!kAssertVerbs.contains(verb)) {
                    *error =
                        where + QLatin1String("unknown assertion \"") + line + QLatin1Char('"');
                    return false;
                }
                c.requests.last().asserts.append(line);
            }
        } else if (section.kind == QLatin1String("error_log") ||
                   section.kind == QLatin1String("no_error_log") ||
                   section.kind == QLatin1String("compare_log")) {
            QStringList& target = section.kind == QLatin1String("error_log")      ? c.errorLog
                                  : section.kind == QLatin1String("no_error_log") ? c.noErrorLog
                                                                                  : c.compareLog;
            for (const QString& line : std::as_const(section.lines)) {
                if (line.isEmpty()) {
                    continue;
                }
                const QRegularExpression re(line);
                if (!re.isValid()) {
                    *error = where + QLatin1String("bad regex \"") + line + QLatin1String("\": ") +
                             re.errorString();
                    return false;
                }
                target.append(line);
            }
        } else if (section.kind == QLatin1String("startup_error")) {
            c.startupError = true;
        } else if (section.kind == QLatin1String("todo")) {
            c.todo = section.args.isEmpty() ? body : section.args;
            if (c.todo.isEmpty()) {
                c.todo = QStringLiteral("todo");
            }
        } else {
            *error = where + QLatin1String("unknown section \"") + section.kind + QLatin1Char('"');
            return false;
        }
    }
    for (const FileWrite& file : std::as_const(c.files)) {
        if (file.beforeRequest > 1 && file.beforeRequest > c.requests.size()) {
            *error = filePath + QLatin1String(": === file ") + file.path +
                     QLatin1String(" comes after the last request and would never be written");
            return false;
        }
    }
    if (c.startupError && !c.requests.isEmpty()) {
        *error = filePath + QLatin1String(": a === startup_error case sends no requests");
        return false;
    }
    if (c.requests.isEmpty() && !c.startupError) {
        *error = filePath + QLatin1String(": a case needs at least one === request");
        return false;
    }
    if (!c.hasServer && !c.httpConf.contains(QLatin1String("@PORT"))) {
        *error =
            filePath + QLatin1String(": no === server section and no listen @PORT@ in === http");
        return false;
    }
    for (const Request& request : std::as_const(c.requests)) {
        allText += request.lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
        c.portCount = std::max(c.portCount, request.options.port);
    }
    c.portCount = std::max(c.portCount, highestPort(allText));
    if (!resolveConnections(&c, error)) {
        return false;
    }
    *out = c;
    return true;
}

} // namespace restyscope::conformance
