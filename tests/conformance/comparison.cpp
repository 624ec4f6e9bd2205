#include "comparison.h"

#include <QRegularExpression>

#include <cctype>

namespace restyscope::conformance {

namespace {

QByteArray replaceNumber(const QByteArray& text, const QByteArray& number,
                         const QByteArray& placeholder)
{
    QByteArray out;
    qsizetype from = 0;
    for (;;) {
        const qsizetype at = text.indexOf(number, from);
        if (at < 0) {
            break;
        }
        const qsizetype end = at + number.size();
        const bool digitBefore = at > 0 && std::isdigit(uchar(text.at(at - 1)));
        const bool digitAfter = end < text.size() && std::isdigit(uchar(text.at(end)));
        out += text.mid(from, at - from);
        out += (digitBefore || digitAfter) ? number : placeholder;
        from = end;
    }
    return out + text.mid(from);
}

QString kindText(const Outcome& o)
{
    switch (o.kind) {
    case Outcome::Kind::Response: return QStringLiteral("complete");
    case Outcome::Kind::NoResponse: return QStringLiteral("none, the server closed the connection");
    case Outcome::Kind::Timeout: return QStringLiteral("none before the client's timeout");
    case Outcome::Kind::Incomplete:
        return o.timedOut ? QStringLiteral("incomplete at the client's timeout")
                          : QStringLiteral("incomplete, the server closed the connection");
    case Outcome::Kind::Headerless:
        return o.timedOut ? QStringLiteral("headerless, cut at the client's timeout")
                          : QStringLiteral("headerless, up to the server's close");
    case Outcome::Kind::Aborted: return QStringLiteral("not read, the client closed");
    case Outcome::Kind::ConnectFailed: return QStringLiteral("connect failed");
    }
    return {};
}

QString framingText(Framing framing)
{
    switch (framing) {
    case Framing::None: return QStringLiteral("none");
    case Framing::Length: return QStringLiteral("length");
    case Framing::Chunked: return QStringLiteral("chunked");
    case Framing::Close: return QStringLiteral("close");
    }
    return {};
}

// One "label: "..."" line per body line, so a diff points at the line that differs.
void appendBytes(QStringList* lines, const QString& label, const QByteArray& bytes)
{
    if (bytes.isEmpty()) {
        lines->append(label + QLatin1String(": (empty)"));
        return;
    }
    qsizetype from = 0;
    while (from < bytes.size()) {
        const qsizetype nl = bytes.indexOf('\n', from);
        const qsizetype end = nl < 0 ? bytes.size() : nl + 1;
        lines->append(label + QLatin1String(": ") + quoted(bytes.mid(from, end - from)));
        from = end;
    }
}

bool matchesCount(const QString& op, qint64 actual, qint64 expected)
{
    if (op == QLatin1String(">=")) {
        return actual >= expected;
    }
    if (op == QLatin1String("<=")) {
        return actual <= expected;
    }
    if (op == QLatin1String(">")) {
        return actual > expected;
    }
    if (op == QLatin1String("<")) {
        return actual < expected;
    }
    return actual == expected;
}

} // namespace

QByteArray Normalizer::apply(QByteArray text, const QByteArray& serverToken) const
{
    if (!serverToken.isEmpty()) {
        text.replace(serverToken, "@SERVER@");
    }
    if (!prefix.isEmpty()) {
        text.replace(prefix.toUtf8(), "@PREFIX@");
    }
    for (qsizetype i = 0; i < ports.size(); ++i) {
        const QByteArray placeholder =
            i == 0 ? QByteArray("@PORT@") : "@PORT" + QByteArray::number(i + 1) + '@';
        text = replaceNumber(text, QByteArray::number(ports.at(i)), placeholder);
    }
    return text;
}

QString quoted(const QByteArray& bytes, qsizetype limit)
{
    QString out = QStringLiteral("\"");
    const qsizetype n = limit >= 0 ? std::min(limit, bytes.size()) : bytes.size();
    for (qsizetype i = 0; i < n; ++i) {
        const uchar ch = uchar(bytes.at(i));
        switch (ch) {
        case '\r': out += QLatin1String("\\r"); break;
        case '\n': out += QLatin1String("\\n"); break;
        case '\t': out += QLatin1String("\\t"); break;
        case '\\': out += QLatin1String("\\\\"); break;
        case '"': out += QLatin1String("\\\""); break;
        default:
            if (ch < 0x20 || ch > 0x7e) {
                out += QStringLiteral("\\x%1").arg(ch, 2, 16, QLatin1Char('0'));
            } else {
                out += QLatin1Char(char(ch));
            }
        }
    }
    out += QLatin1Char('"');
    if (n < bytes.size()) {
        out += QStringLiteral("... (%1 bytes)").arg(bytes.size());
    }
    return out;
}

QStringList renderOutcome(const Outcome& o, const QList<HeaderRule>& headers,
                          const Normalizer& normalizer)
{
    QStringList lines;
    lines.append(QLatin1String("response: ") + kindText(o));
    for (const QByteArray& interim : o.interims) {
        lines.append(QLatin1String("interim: ") + QString::fromLatin1(interim));
    }
    switch (o.kind) {
    case Outcome::Kind::Headerless:
        appendBytes(&lines, QStringLiteral("bytes"), normalizer.apply(o.raw));
        return lines;
    case Outcome::Kind::Response:
    case Outcome::Kind::Incomplete: break;
    default: return lines;
    }
    if (o.statusLine.isEmpty()) {
        appendBytes(&lines, QStringLiteral("bytes"), normalizer.apply(o.raw));
        return lines;
    }
    const QByteArray token = o.headerValues("server").value(0);
    lines.append(QLatin1String("status: ") + QString::fromLatin1(o.statusLine));
    lines.append(QLatin1String("framing: ") + framingText(o.framing));
    for (const HeaderRule& rule : headers) {
        const QList<QByteArray> values = o.headerValues(rule.name.toLatin1());
        const QString prefix = QLatin1String("header ") + rule.name + QLatin1String(": ");
        if (values.isEmpty()) {
            lines.append(prefix + QLatin1String("(absent)"));
        } else if (rule.presenceOnly) {
            lines.append(prefix + QLatin1String("(present)"));
        } else {
            for (const QByteArray& value : values) {
                lines.append(prefix + QString::fromLatin1(normalizer.apply(value)));
            }
        }
    }
    appendBytes(&lines, QStringLiteral("body"), normalizer.apply(o.body, token));
    if (o.kind == Outcome::Kind::Response && o.closed != Outcome::Closed::NotChecked) {
        lines.append(QLatin1String("closed: ") + (o.closed == Outcome::Closed::Yes
                                                      ? QLatin1String("yes")
                                                      : QLatin1String("no")));
    }
    if (!o.extra.isEmpty()) {
        appendBytes(&lines, QStringLiteral("after the response"), normalizer.apply(o.extra, token));
    }
    return lines;
}

QStringList outcomeNotes(const Outcome& o)
{
    QStringList lines{QStringLiteral("elapsed: %1 ms").arg(o.elapsedMs)};
    if (o.closedAtMs >= 0) {
        lines.append(QStringLiteral("closed by the server at: %1 ms").arg(o.closedAtMs));
    }
    for (const QString& note : o.notes) {
        lines.append(QLatin1String("note: ") + note);
    }
    return lines;
}

QString checkAssertion(const QString& assertion, const Outcome& o, const Normalizer& normalizer)
{
    const QString verb = assertion.section(QLatin1Char(' '), 0, 0);
    const QString arg = assertion.section(QLatin1Char(' '), 1).trimmed();
    const QByteArray token = o.headerValues("server").value(0);
    const QByteArray body =
        normalizer.apply(o.kind == Outcome::Kind::Headerless ? o.raw : o.body, token);
    bool ok = false;
    if (verb == QLatin1String("status")) {
        ok = !o.statusLine.isEmpty() && o.status == arg.toInt();
    } else if (verb == QLatin1String("closed")) {
        const bool closed =
            o.closed == Outcome::Closed::Yes || o.kind == Outcome::Kind::NoResponse ||
            (o.kind != Outcome::Kind::Response && !o.timedOut && o.kind != Outcome::Kind::Timeout);
        ok = (arg == QLatin1String("yes")) == closed;
    } else if (verb == QLatin1String("response")) {
        static const QHash<QString, Outcome::Kind> kinds = {
            {QStringLiteral("complete"), Outcome::Kind::Response},
            {QStringLiteral("none"), Outcome::Kind::NoResponse},
            {QStringLiteral("timeout"), Outcome::Kind::Timeout},
            {QStringLiteral("incomplete"), Outcome::Kind::Incomplete},
            {QStringLiteral("headerless"), Outcome::Kind::Headerless},
        };
        ok = kinds.contains(arg) && kinds.value(arg) == o.kind;
    } else if (verb == QLatin1String("framing")) {
        ok = o.kind == Outcome::Kind::Response && framingText(o.framing) == arg;
    } else if (verb == QLatin1String("header") || verb == QLatin1String("no-header")) {
        const qsizetype colon = arg.indexOf(QLatin1Char(':'));
        const QByteArray name = (colon < 0 ? arg : arg.left(colon)).trimmed().toLower().toLatin1();
        QList<QByteArray> values = o.headerValues(name);
        for (QByteArray& value : values) {
            value = normalizer.apply(value);
        }
        if (verb == QLatin1String("no-header")) {
            ok = values.isEmpty();
        } else {
            ok = colon < 0 ? !values.isEmpty()
                           : values.contains(arg.mid(colon + 1).trimmed().toLatin1());
        }
    } else if (verb == QLatin1String("body")) {
        ok = body == unescape(arg.toUtf8());
    } else if (verb == QLatin1String("body-contains")) {
        ok = body.contains(unescape(arg.toUtf8()));
    } else if (verb == QLatin1String("body-matches")) {
        ok = QRegularExpression(arg).match(QString::fromUtf8(body)).hasMatch();
    } else if (verb == QLatin1String("interim")) {
        for (const QByteArray& line : o.interims) {
            ok = ok || line.split(' ').value(1).toInt() == arg.toInt();
        }
    } else if (verb == QLatin1String("elapsed") || verb == QLatin1String("closed-at")) {
        const QStringList parts = arg.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        const qint64 value = verb == QLatin1String("elapsed") ? o.elapsedMs : o.closedAtMs;
        ok = parts.size() == 2 && value >= 0 &&
             matchesCount(parts.at(0), value, parts.at(1).toLongLong());
    }
    return ok ? QString()
              : QLatin1String("assertion \"") + assertion + QLatin1String("\" does not hold");
}

QStringList logEntries(const QByteArray& log, const Normalizer& normalizer)
{
    static const QRegularExpression head(QStringLiteral(
        "^\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d \\[(\\w+)\\] \\d+#\\d+: (\\*\\d+ )?"));
    // The process's own life (startup notices, the signal, an interrupted epoll_wait at
    // exit) says nothing about requests and differs by implementation and by timing.
    static const QRegularExpression lifecycle(QStringLiteral(
        "^\\[\\w+\\] (using the \"\\w+\" event method|nginx/|OS: |getrlimit\\(|"
        "signal \\d+ \\(\\w+\\) received|epoll_wait\\(\\) failed \\(4: |exit$|exiting$)"));
    QStringList entries;
    bool skipping = false;
    const QList<QByteArray> lines = log.split('\n');
    for (const QByteArray& raw : lines) {
        const QString line = QString::fromUtf8(normalizer.apply(raw));
        const auto match = head.match(line);
        if (match.hasMatch()) {
            const QString entry = QLatin1Char('[') + match.captured(1) + QLatin1String("] ") +
                                  (match.hasCaptured(2) ? QStringLiteral("*N ") : QString()) +
                                  line.mid(match.capturedEnd());
            skipping = lifecycle.match(entry).hasMatch();
            if (!skipping) {
                entries.append(entry);
            }
        } else if (!skipping && !entries.isEmpty() && !raw.isEmpty()) {
            entries.last() += QLatin1Char('\n') + line;
        }
    }
    return entries;
}

QString firstEmerg(const QByteArray& output, const Normalizer& normalizer)
{
    // "prog: [emerg] msg" (nginx before its log is set up) or a log line (Debian's nginx,
    // built with the error log on stderr).
    static const QRegularExpression program(QStringLiteral("^[^ :]+: \\[emerg\\] "));
    for (const QByteArray& raw : output.split('\n')) {
        const QString line = QString::fromUtf8(normalizer.apply(raw));
        const auto match = program.match(line);
        if (match.hasMatch()) {
            return QLatin1String("[emerg] ") + line.mid(match.capturedEnd());
        }
        const QStringList entry = logEntries(raw, normalizer);
        if (!entry.isEmpty() && entry.first().startsWith(QLatin1String("[emerg] "))) {
            return entry.first();
        }
    }
    return {};
}

QString lineDiff(const QStringList& a, const QStringList& b)
{
    const qsizetype n = a.size();
    const qsizetype m = b.size();
    if (n * m > 4'000'000) {
        return QLatin1String("(too long to diff)\n--- a:\n") + a.join(QLatin1Char('\n')) +
               QLatin1String("\n--- b:\n") + b.join(QLatin1Char('\n'));
    }
    // Longest common subsequence table, from the end.
    QList<QList<int>> lcs(n + 1, QList<int>(m + 1, 0));
    for (qsizetype i = n - 1; i >= 0; --i) {
        for (qsizetype j = m - 1; j >= 0; --j) {
            lcs[i][j] =
                a.at(i) == b.at(j) ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
        }
    }
    QStringList out;
    qsizetype i = 0;
    qsizetype j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && a.at(i) == b.at(j)) {
            out.append(QLatin1String("  ") + a.at(i++));
            ++j;
        } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
            out.append(QLatin1String("- ") + a.at(i++));
        } else {
            out.append(QLatin1String("+ ") + b.at(j++));
        }
    }
    return out.join(QLatin1Char('\n'));
}

} // namespace restyscope::conformance
