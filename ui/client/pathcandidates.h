#pragma once
// Path completion for the client's URL: the conf's exact and prefix locations as written,
// and for each regex location the paths it matches that are made of its literal head and a
// Lua file's name ("^/api/([-_a-zA-Z0-9/]+)" and lua/threads.lua give "/api/threads").

#include <QString>
#include <QStringList>

namespace restyscope::ui::client {

// Reads PREFIX/conf/nginx.conf (the main file only) and the *.lua files under PREFIX.
QStringList pathCandidates(const QString& prefix);
// The same from the conf text and the prefix-relative Lua paths (for tests).
QStringList pathCandidates(const QString& confText, const QStringList& luaFiles);

} // namespace restyscope::ui::client
