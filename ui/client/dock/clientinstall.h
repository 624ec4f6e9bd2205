#pragma once
// Design: how the client joins the main window, kept out of mainwindow.cpp: the dock under
// the Requests view, its View-menu entry, and the "show in runtime" link, which selects a
// request in the Requests, Coroutines and Events views. The Coroutines view is rebuilt from
// every snapshot, so the link keeps its request selected there while the request lives
// (and selects it once the next snapshot shows it), until the user clicks in that view.

#include <QtGlobal>

class QMainWindow;

namespace restyscope::ui {
class DebugController;
}

namespace restyscope::ui::client {

class ClientDock;

// Adds the "clientDock" dock to window; link clicks go to selectRequestInViews.
ClientDock* installClientDock(QMainWindow* window, DebugController* controller);
void selectRequestInViews(QMainWindow* window, DebugController* controller, quint64 requestId);

} // namespace restyscope::ui::client
