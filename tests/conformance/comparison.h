#pragma once

// What is compared between nginx and restyscope: outcomes and error.log entries rendered
// as normalized text lines, so that comparing is string equality and a failure shows a diff.

#include "casefile.h"
#include "exchange.h"

#include <QStringList>

namespace restyscope::conformance {

// Replaces what legitimately differs between the two servers with placeholders: the
// server's own token (its Server header value) in bodies, its prefix, its ports.
struct Normalizer
{
    QList<quint16> ports;
    QString prefix;
    QByteArray apply(QByteArray text, const QByteArray& serverToken = {}) const;
};

// The compared lines of one outcome ("status: HTTP/1.1 200 OK", "body: \"hi\\n\"", ...).
QStringList renderOutcome(const Outcome& outcome, const QList<HeaderRule>& headers,
                          const Normalizer& normalizer);
// Lines shown on failure but never compared (elapsed time, send errors, resets).
QStringList outcomeNotes(const Outcome& outcome);

// Checks one "=== assert" line against an outcome (normalized, so it may say @PORT@,
// @PREFIX@, @SERVER@); an empty string when it holds.
QString checkAssertion(const QString& assertion, const Outcome& outcome,
                       const Normalizer& normalizer);

// error.log entries (continuation lines joined) as "[level] *N message", normalized.
QStringList logEntries(const QByteArray& log, const Normalizer& normalizer);
// The first "[emerg] ..." line a server printed when refusing its conf, without the
// program name or log-line prefix; empty if none.
QString firstEmerg(const QByteArray& output, const Normalizer& normalizer);

// A line diff of two renderings: "  same", "- only in a", "+ only in b".
QString lineDiff(const QStringList& a, const QStringList& b);

// Bytes as a C-like quoted string, for messages.
QString quoted(const QByteArray& bytes, qsizetype limit = -1);

} // namespace restyscope::conformance
