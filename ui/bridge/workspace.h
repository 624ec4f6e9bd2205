#pragma once
// Design: what `restyscope DIR` and File > Open accept. An OpenResty prefix (it has
// conf/nginx.conf) is served as it is. A plain Lua dir gets the seed's routing in a prefix
// the app generates in its data dir, so the user's dir is never written to: conf/nginx.conf
// with `location ~ ^/api/([-_a-zA-Z0-9/]+) { content_by_lua_file lua/$1.lua; }`, logs/, and
// lua -> the Lua files (DIR/lua when DIR has one, else DIR itself).

#include <QString>
#include <QStringList>

namespace restyscope::ui {

struct Workspace
{
    QString directory; // what the user opened
    QString prefix;    // what the engine serves: directory, or the generated prefix
    bool generated = false;
};

// Any thread. Returns false with a sentence in error when directory cannot be served.
bool openWorkspace(const QString& directory, Workspace& out, QString& error);

// The recent list, newest first, without duplicates, at most max entries.
QStringList withRecent(QStringList recent, const QString& directory, int max = 8);

} // namespace restyscope::ui
