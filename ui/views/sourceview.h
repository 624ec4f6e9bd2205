#pragma once
// Design: the Source dock. The prefix's lua/ files in a list beside a read-only editor with
// Lua highlighting and a gutter (line numbers, breakpoint markers: click or F9). Breakpoints
// are "lua/x.lua:LINE" and go to the controller as they are toggled; a line stop opens its
// file and highlights the paused line.

#include "ui/bridge/debugcontroller.h"

#include <QMap>
#include <QPlainTextEdit>
#include <QSet>
#include <QWidget>

class QListWidget;

namespace restyscope::ui {

class SourceEditor final : public QPlainTextEdit
{
    Q_OBJECT
public:
    explicit SourceEditor(QWidget* parent = nullptr);

    void setBreakpointLines(const QSet<int>& lines);
    void setPausedLine(int line); // 0: none
    int pausedLine() const { return m_pausedLine; }
    void setErrorLine(int line); // a configuration error's line; 0: none
    int errorLine() const { return m_errorLine; }
    int gutterWidth() const;
    void paintGutter(QPaintEvent* event);
    int lineAt(int y) const;

Q_SIGNALS:
    void breakpointToggled(int line);

protected:
    void resizeEvent(QResizeEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    void updateSelections();

    QWidget* m_gutter;
    QSet<int> m_breakpoints;
    int m_pausedLine = 0;
    int m_errorLine = 0;
};

class SourcePane final : public QWidget
{
    Q_OBJECT
public:
    explicit SourcePane(DebugController* controller, QWidget* parent = nullptr);

    // Lists conf/nginx.conf and prefix/lua/**.lua. Another prefix drops the breakpoints
    // (they belonged to the other project); the same one keeps and re-sends them.
    void setPrefix(const QString& prefix);
    // Opens file (relative to the prefix, or absolute inside it) and marks line as the one a
    // configuration error points at.
    bool showErrorLine(const QString& file, int line);
    QStringList files() const;
    // file relative to the prefix ("lua/x.lua"); false when it cannot be read.
    bool openFile(const QString& file);
    QString currentFile() const { return m_current; }
    SourceEditor* editor() const { return m_editor; }
    // On the current file.
    void toggleBreakpoint(int line);
    void setBreakpoint(const QString& file, int line, bool enabled);
    QSet<int> breakpoints(const QString& file) const { return m_breakpoints.value(file); }
    // The paused line of the current file; 0 when the stop is elsewhere or there is none.
    int pausedLine() const { return m_editor->pausedLine(); }

    void showStop(const LineStopInfo& stop);
    void clearStop();

private:
    QString relativeToPrefix(const QString& chunkSource) const;

    DebugController* m_controller;
    QListWidget* m_fileList;
    SourceEditor* m_editor;
    QString m_prefix;
    QString m_current;
    QMap<QString, QSet<int>> m_breakpoints;
    QString m_stopFile;
    int m_stopLine = 0;
};

} // namespace restyscope::ui
