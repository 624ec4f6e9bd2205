// Design: readiness is read from /proc/net/tcp (a LISTEN socket on the port owned by the
// server's pid) rather than by connecting, so that no probe connection shows up in the
// server's error.log or shifts its connection numbers.

#include "serverprocess.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSet>

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace restyscope::conformance {

namespace {

constexpr int kStartTimeoutMs = 10000;
constexpr const char* kPrefixStem = "restyscope-conformance-"; // + pid + "-XXXXXX"
constexpr int kStopGraceMs = 5000;

QString indented(const QString& text, int spaces)
{
    const QString pad(spaces, QLatin1Char(' '));
    QString out;
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (i == lines.size() - 1 && lines.at(i).isEmpty()) {
            break;
        }
        out += (lines.at(i).isEmpty() ? QString() : pad + lines.at(i)) + QLatin1Char('\n');
    }
    return out;
}

QSet<QString> socketInodes(qint64 pid)
{
    QSet<QString> inodes;
    QDir fds(QStringLiteral("/proc/%1/fd").arg(pid));
    const QStringList entries =
        fds.entryList(QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot);
    for (const QString& entry : entries) {
        char target[128];
        const QByteArray path = QFile::encodeName(fds.filePath(entry));
        const ssize_t n = ::readlink(path.constData(), target, sizeof target - 1);
        const QByteArray link(target, n > 0 ? n : 0);
        if (link.startsWith("socket:[") && link.endsWith(']')) {
            inodes.insert(QString::fromLatin1(link.mid(8, link.size() - 9)));
        }
    }
    return inodes;
}

// Ports on 127.0.0.1 in LISTEN state whose socket belongs to one of the inodes.
QSet<quint16> listeningPorts(const QSet<QString>& inodes)
{
    QSet<quint16> ports;
    QFile file(QStringLiteral("/proc/net/tcp"));
    if (!file.open(QIODevice::ReadOnly)) {
        return ports;
    }
    const QList<QByteArray> lines = file.readAll().split('\n');
    for (const QByteArray& line : lines) {
        const QList<QByteArray> fields = line.simplified().split(' ');
        if (fields.size() < 10 || fields.at(3) != "0A") {
            continue;
        }
        const QList<QByteArray> local = fields.at(1).split(':');
        if (local.size() != 2 || local.at(0) != "0100007F" ||
            !inodes.contains(QString::fromLatin1(fields.at(9)))) {
            continue;
        }
        bool ok = false;
        const uint port = local.at(1).toUInt(&ok, 16);
        if (ok) {
            ports.insert(quint16(port));
        }
    }
    return ports;
}

QByteArray readFile(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

QString confText(const Case& c)
{
    QString conf = QLatin1String("# written by tst_conformance for case ") + c.id +
                   QLatin1String("\n"
                                 "load_module /usr/lib/nginx/modules/ndk_http_module.so;\n"
                                 "load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;\n"
                                 "daemon off;\n"
                                 "master_process off;\n"
                                 "worker_processes 1;\n"
                                 "error_log logs/error.log info;\n"
                                 "pid logs/nginx.pid;\n");
    conf += c.mainConf;
    conf += QLatin1String("events {\n    worker_connections 1024;\n}\nhttp {\n"
                          "    access_log off;\n");
    conf += indented(c.httpConf, 4);
    if (c.hasServer) {
        conf += QLatin1String("    server {\n        listen 127.0.0.1:@PORT@;\n");
        conf += indented(c.serverConf, 8);
        conf += QLatin1String("    }\n");
    }
    conf += QLatin1String("}\n");
    return conf;
}

QList<quint16> freePorts(int count)
{
    QList<int> fds;
    QList<quint16> ports;
    for (int i = 0; i < count; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        socklen_t len = sizeof addr;
        if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
            if (fd >= 0) {
                ::close(fd);
            }
            continue;
        }
        fds.append(fd);
        ports.append(ntohs(addr.sin_port));
    }
    for (const int fd : std::as_const(fds)) {
        ::close(fd);
    }
    return ports;
}

void removeStalePrefixes()
{
    QDir temp(QDir::tempPath());
    const QStringList names = temp.entryList({QLatin1String(kPrefixStem) + QLatin1Char('*')},
                                             QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString& name : names) {
        bool ok = false;
        const qint64 pid = name.mid(qsizetype(std::strlen(kPrefixStem)))
                               .section(QLatin1Char('-'), 0, 0)
                               .toLongLong(&ok);
        if (ok && pid > 0 && ::kill(pid_t(pid), 0) != 0 && errno == ESRCH) {
            QDir(temp.filePath(name)).removeRecursively();
        }
    }
}

ServerProcess::ServerProcess(Implementation implementation)
    : m_implementation(std::move(implementation))
{
    // A test killed by ctest's timeout must not leave servers behind.
    m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
}

ServerProcess::~ServerProcess()
{
    stop();
}

bool ServerProcess::start(const Case& c, const QList<quint16>& ports, QString* error)
{
    stop();
    m_exit.clear();
    m_dir = std::make_unique<QTemporaryDir>(QDir::tempPath() + QLatin1String("/") +
                                            QLatin1String(kPrefixStem) +
                                            QString::number(::getpid()) + QLatin1String("-XXXXXX"));
    if (!m_dir->isValid()) {
        *error = QLatin1String("cannot create a temporary prefix: ") + m_dir->errorString();
        return false;
    }
    if (qEnvironmentVariableIntValue("RESTYSCOPE_CONFORMANCE_KEEP") != 0) {
        m_dir->setAutoRemove(false);
        qInfo("%s prefix kept: %s", qPrintable(m_implementation.label), qPrintable(m_dir->path()));
    }
    m_subst.ports = ports;
    m_subst.prefix = m_dir->path();
    QDir prefix(m_dir->path());
    prefix.mkpath(QStringLiteral("conf"));
    prefix.mkpath(QStringLiteral("logs"));
    prefix.mkpath(QStringLiteral("html"));
    const QString conf = confText(c);
    if (!writeFile(QStringLiteral("conf/nginx.conf"), conf.toUtf8(), error)) {
        return false;
    }
    for (const FileWrite& file : c.files) {
        if (file.beforeRequest == 1 && !writeFile(file.path, file.content, error)) {
            return false;
        }
    }
    m_process.setWorkingDirectory(m_dir->path());
    m_process.setStandardOutputFile(prefix.filePath(QStringLiteral("logs/stdout.txt")));
    m_process.setStandardErrorFile(prefix.filePath(QStringLiteral("logs/stderr.txt")));
    m_process.setProgram(m_implementation.program);
    m_process.setArguments(m_implementation.leadingArgs +
                           QStringList{QStringLiteral("-p"), m_dir->path(), QStringLiteral("-c"),
                                       QStringLiteral("conf/nginx.conf")});
    m_process.start();
    if (!m_process.waitForStarted(kStartTimeoutMs)) {
        *error = m_implementation.label + QLatin1String(": cannot run ") +
                 m_implementation.program + QLatin1String(": ") + m_process.errorString();
        return false;
    }
    QList<quint16> listened;
    for (qsizetype i = 0; i < ports.size(); ++i) {
        const QString placeholder = QStringLiteral("@PORT%1@").arg(i + 1);
        if (i == 0 || conf.contains(placeholder)) {
            listened.append(ports.at(i));
        }
    }
    if (!waitListening(listened, kStartTimeoutMs, error)) {
        stop();
        *error += QLatin1String("\n--- stderr:\n") + QString::fromUtf8(startupOutput()) +
                  QLatin1String("--- error.log:\n") + QString::fromUtf8(errorLog());
        return false;
    }
    return true;
}

bool ServerProcess::waitListening(const QList<quint16>& ports, int timeoutMs, QString* error)
{
    QElapsedTimer timer;
    timer.start();
    const qint64 pid = m_process.processId();
    while (timer.elapsed() < timeoutMs) {
        if (m_process.waitForFinished(10)) {
            *error = m_implementation.label + QLatin1String(" exited at startup (") +
                     (m_process.exitStatus() == QProcess::CrashExit
                          ? QStringLiteral("crashed")
                          : QString(QLatin1String("exit code ") +
                                    QString::number(m_process.exitCode()))) +
                     QLatin1Char(')');
            return false;
        }
        const QSet<quint16> listening = listeningPorts(socketInodes(pid));
        bool all = true;
        for (const quint16 port : ports) {
            all = all && listening.contains(port);
        }
        if (all) {
            return true;
        }
    }
    *error = m_implementation.label + QLatin1String(" did not listen on its port(s) within ") +
             QString::number(timeoutMs) + QLatin1String(" ms");
    return false;
}

QString ServerProcess::stop()
{
    if (m_process.state() == QProcess::NotRunning) {
        return m_exit;
    }
    m_process.terminate(); // SIGTERM
    if (!m_process.waitForFinished(kStopGraceMs)) {
        m_process.kill();
        m_process.waitForFinished(kStopGraceMs);
        m_exit = QLatin1String("did not stop within ") + QString::number(kStopGraceMs) +
                 QLatin1String(" ms of SIGTERM; killed");
        return m_exit;
    }
    m_exit = m_process.exitStatus() == QProcess::CrashExit
                 ? QStringLiteral("crashed (signal)")
                 : QString(QLatin1String("exit code ") + QString::number(m_process.exitCode()));
    return m_exit;
}

bool ServerProcess::isRunning()
{
    return m_process.state() != QProcess::NotRunning && !m_process.waitForFinished(0);
}

bool ServerProcess::writeFile(const QString& relativePath, const QByteArray& content,
                              QString* error) const
{
    const QString path = m_dir->filePath(relativePath);
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        file.write(m_subst.apply(content)) != m_subst.apply(content).size()) {
        *error = QLatin1String("cannot write ") + path + QLatin1String(": ") + file.errorString();
        return false;
    }
    return true;
}

QByteArray ServerProcess::errorLog() const
{
    return m_dir ? readFile(m_dir->filePath(QStringLiteral("logs/error.log"))) : QByteArray();
}

QByteArray ServerProcess::startupOutput() const
{
    if (!m_dir) {
        return {};
    }
    return readFile(m_dir->filePath(QStringLiteral("logs/stdout.txt"))) +
           readFile(m_dir->filePath(QStringLiteral("logs/stderr.txt")));
}

bool ServerProcess::addressInUse() const
{
    return startupOutput().contains("Address already in use") ||
           errorLog().contains("Address already in use");
}

} // namespace restyscope::conformance
