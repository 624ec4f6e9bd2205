#pragma once
// Design: "Copy as curl" and "Paste curl command". The importer reads a command line the way
// a POSIX shell splits it (single quotes, double quotes with backslash escapes, backslash-
// newline continuations) and the way curl combines its data options (-d, --data-binary,
// --data-urlencode joined with '&'; -G moves them to the query). The exporter writes a
// command the importer reads back as the same ClientRequest.

#include "ui/client/clientrequest.h"

#include <optional>

namespace restyscope::ui::client {

// A one-line command; words that need it are single-quoted. base resolves a path URL.
QString toCurl(const ClientRequest& request, const QUrl& base);
// nullopt with a message naming the problem (unknown option, unbalanced quote, no URL).
std::optional<ClientRequest> fromCurl(const QString& command, QString& error);

// The shell's word splitting (exposed for tests); nullopt on an unbalanced quote.
std::optional<QStringList> shellWords(const QString& command);
QString shellQuote(const QString& word);

} // namespace restyscope::ui::client
