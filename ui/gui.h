#pragma once
// The desktop app: what `restyscope [DIR]` runs. Kept out of app/main.cpp so the headless
// binary paths stay free of widgets code.

#include <string>

namespace restyscope::ui {

// Opens the main window on directory (a prefix with conf/nginx.conf, or a plain Lua dir: see
// ui/bridge/workspace.h); empty: a writable copy of the bundled example in the user's data
// dir. RESTYSCOPE_START_PAUSED=1 holds the first
// resume. Returns the exit code.
int runGui(int argc, char** argv, const std::string& directory);

} // namespace restyscope::ui
