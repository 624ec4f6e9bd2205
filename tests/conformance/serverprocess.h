#pragma once

// One server under test (real nginx, or restyscope) running one case in its own prefix.

#include "casefile.h"

#include <QProcess>
#include <QTemporaryDir>

#include <memory>

namespace restyscope::conformance {

struct Implementation
{
    QString label;           // "nginx", "restyscope"
    QString program;         // executable (or a wrapper script that execs it)
    QStringList leadingArgs; // before "-p PREFIX -c conf/nginx.conf", e.g. "--headless"
};

// The nginx.conf of a case, placeholders (@PORT@, ...) not yet substituted.
QString confText(const Case& c);

// Removes prefixes left by test processes that died before cleaning up (killed by a
// timeout): each prefix's name carries the pid of the test that made it.
void removeStalePrefixes();

// Free loopback ports, distinct from each other (all held open while choosing).
QList<quint16> freePorts(int count);

class ServerProcess
{
public:
    explicit ServerProcess(Implementation implementation);
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    // Writes a fresh prefix (conf, logs/, html/, the case's first files) and starts the
    // server with cwd = prefix; true once every listen port of the conf accepts. On
    // failure the message carries the server's stderr; the process is gone.
    bool start(const Case& c, const QList<quint16>& ports, QString* error);
    // SIGTERM, then SIGKILL after a grace period. Idempotent. Describes how it ended.
    QString stop();
    bool isRunning();

    // Any thread (file IO only): writes a file under the prefix.
    bool writeFile(const QString& relativePath, const QByteArray& content, QString* error) const;

    const Implementation& implementation() const { return m_implementation; }
    const Substitutions& substitutions() const { return m_subst; }
    QByteArray errorLog() const;
    QByteArray startupOutput() const; // what the server wrote to stdout/stderr
    bool addressInUse() const;        // start failed because a port was taken meanwhile

private:
    bool waitListening(const QList<quint16>& ports, int timeoutMs, QString* error);

    Implementation m_implementation;
    std::unique_ptr<QTemporaryDir> m_dir;
    QProcess m_process;
    Substitutions m_subst;
    QString m_exit;
};

} // namespace restyscope::conformance
