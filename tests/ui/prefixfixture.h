#pragma once
// A temporary nginx prefix for the UI tests that run the engine: conf/nginx.conf serving
// the given locations on one port, the Lua files they load, and logs/.

#include <QMap>
#include <QString>

class QTemporaryDir;

namespace restyscope::test {

// Writes text to path, creating its folders; a file that cannot be written fails the test.
void writeFile(const QString& path, const QString& text);

// "error_log logs/error.log info; events {} http { server { listen 127.0.0.1:<port>;
// <locations> } }", one directive a line; locations ends with a newline.
QString serverConf(quint16 port, const QString& locations);

// Fills prefix: conf/nginx.conf from serverConf, files (prefix-relative path -> text), logs/.
void writeServerPrefix(const QTemporaryDir& prefix, quint16 port, const QString& locations,
                       const QMap<QString, QString>& files = {});

} // namespace restyscope::test
