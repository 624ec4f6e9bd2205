#pragma once

// A conformance case: one text file under tests/conformance/cases/ (format in README.md).

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

namespace restyscope::conformance {

// What a request is sent with and how its answer is awaited.
struct RequestOptions
{
    QString name;           // row label; default: the request line
    QString connection;     // conn=NAME: requests naming the same NAME share one connection
    bool raw = false;       // bytes exactly as written (only escapes), nothing added
    bool pipeline = false;  // written in one write together with the next request
    int splitSize = 0;      // split=N: send in pieces of N bytes
    QStringList cuts;       // cuts=a,b,head: cut before these offsets ("head": after the head)
    int delayMs = 20;       // delay=MS between pieces
    int pauseMs = 0;        // pause=MS before sending
    int timeoutMs = 5000;   // timeout=MS: client gives up waiting for the response
    int closeWaitMs = 250;  // close-wait=MS: how long to watch for the server's close
    int timingMs = -1;      // timing=MS: the two servers' elapsed times must agree within MS
    bool shutWrite = false; // shut-wr: half-close after sending
    int abortMs = -1;       // abort[=MS]: close MS after sending, read nothing
    int port = 1;           // port=N: send to @PORTN@ (1 = @PORT@)
};

struct Request
{
    int index = 0; // 1-based position in the case
    int line = 0;  // line of its section in the case file
    QStringList lines;
    RequestOptions options;
    QStringList asserts;          // hand sanity checks, run against nginx's answer
    int connection = 0;           // connection id (0-based), resolved by the parser
    bool lastOnConnection = true; // no later request reuses its connection
    QString label() const;        // "3 GET /t" or "3 name"
};

// A file of the prefix; written before the request numbered beforeRequest (1 = before
// the servers start, later ones between requests).
struct FileWrite
{
    QString path;
    QByteArray content;
    int beforeRequest = 1;
};

// Which response headers are compared. Names are lower-case.
struct HeaderRule
{
    QString name;
    bool presenceOnly = false;
};

struct Case
{
    QString id;   // "http/return-text": path under cases/ without ".case"
    QString path; // absolute file path
    QString description;
    QString mainConf;
    QString httpConf;
    QString serverConf;
    bool hasServer = false;
    QList<FileWrite> files;
    QList<Request> requests;
    QList<HeaderRule> headers;
    QStringList errorLog;      // regexes each matching an entry in both logs
    QStringList noErrorLog;    // regexes matching no entry in either log
    QStringList compareLog;    // entries matching these are compared between the logs
    bool startupError = false; // both servers must refuse the conf, with the same [emerg]
    QString todo;              // non-empty: known to differ until this lands; mismatch is XFAIL
    int portCount = 1;         // highest @PORTn@ used
    bool hasLogChecks() const;
};

// Values the runner substitutes into conf, files and requests for one server.
struct Substitutions
{
    QList<quint16> ports; // ports[0] is @PORT@ (also @PORT1@)
    QString prefix;       // absolute, no trailing slash: @PREFIX@
    QByteArray apply(QByteArray text) const;
};

// Parses a case file; on failure returns false and a message naming file and line.
bool parseCase(const QString& filePath, const QString& id, Case* out, QString* error);

// The bytes of one request for one server (@PORT@ etc. substituted, escapes decoded,
// {{N*text}} expanded, shorthand completed).
QByteArray encodeRequest(const Request& request, const Substitutions& subst);

// Decodes \r \n \t \0 \\ \xNN (and \= at a line start) in one line.
QByteArray unescape(const QByteArray& text);

} // namespace restyscope::conformance
