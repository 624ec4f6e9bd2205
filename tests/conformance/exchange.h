#pragma once

// The client side: sends a case's requests to one server over plain sockets and records
// exactly what came back.

#include "casefile.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

namespace restyscope::conformance {

class ServerProcess;

enum class Framing { None, Length, Chunked, Close };

struct Outcome
{
    enum class Kind {
        Response,      // a complete response
        NoResponse,    // the server closed without sending a byte
        Timeout,       // nothing arrived before the client's timeout
        Incomplete,    // a partial response, then close or timeout (see timedOut)
        Headerless,    // bytes not starting with "HTTP/" (HTTP/0.9 style), up to close
        Aborted,       // the client closed on purpose (abort option)
        ConnectFailed, // could not connect
    };
    Kind kind = Kind::Timeout;
    bool timedOut = false;      // Incomplete/Headerless ended by the client's timeout
    QList<QByteArray> interims; // status lines of 1xx responses before the final one
    QByteArray statusLine;      // "HTTP/1.1 200 OK"
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers; // as received, in order
    Framing framing = Framing::None;
    QByteArray body; // de-chunked
    QByteArray raw;  // Incomplete/Headerless: the bytes received
    enum class Closed { NotChecked, Yes, No } closed = Closed::NotChecked;
    QByteArray extra;       // bytes that followed the response on a closing check
    qint64 elapsedMs = 0;   // from the first byte sent to the end of this outcome
    qint64 closedAtMs = -1; // from the first byte sent to the server's close, if seen
    QStringList notes;      // shown on failure, never compared (send errors, resets)

    QList<QByteArray> headerValues(const QByteArray& lowerName) const;
};

// Runs every step of the case (requests; files written between them) against one running
// server. Blocking; safe to run for two servers in two threads.
QList<Outcome> runExchange(const Case& c, const ServerProcess& server);

} // namespace restyscope::conformance
