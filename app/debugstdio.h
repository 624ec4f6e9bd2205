#pragma once
// restyscope --headless --debug-stdio: scripted stepping for tests and terminal users.
// Commands arrive one per line on stdin; every answer and every probe event is printed as
// one JSON object per line on stdout.

namespace restyscope::engine {
class Engine;
}

namespace restyscope::app {

// Runs the engine (this thread) with a stdin reader thread; returns the exit code.
int runDebugStdio(engine::Engine& engine);

} // namespace restyscope::app
