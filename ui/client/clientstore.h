#pragma once
// Design: the client's memory: every sent request (history, newest first, bounded) and the
// saved ones in named collections, kept in one JSON file in the user's data dir. Each change
// rewrites the file through QSaveFile, so a crash leaves the old file or the new one, never
// half of one. A file that cannot be read is not overwritten until the user changes
// something, and loadError() says why.

#include "ui/client/clientrequest.h"

#include <QDateTime>
#include <QObject>
#include <QVector>

namespace restyscope::ui::client {

struct HistoryEntry
{
    ClientRequest request;
    QDateTime sentAt;
    int status = 0; // 0: no answer (error or cancelled)
    double ms = 0;
    quint64 runtimeRequestId = 0;
};

struct SavedRequest
{
    QString name;
    ClientRequest request;
};

struct Collection
{
    QString name;
    QVector<SavedRequest> requests;
};

class ClientStore : public QObject
{
    Q_OBJECT
public:
    static constexpr int kMaxHistory = 500;

    // path: the JSON file; empty: defaultPath().
    explicit ClientStore(QString path = {}, QObject* parent = nullptr);

    // <AppDataLocation>/client.json
    static QString defaultPath();
    QString path() const { return m_path; }
    QString loadError() const { return m_loadError; }
    QString saveError() const { return m_saveError; }

    const QVector<HistoryEntry>& history() const { return m_history; }
    const QVector<Collection>& collections() const { return m_collections; }

    void addHistory(const HistoryEntry& entry);
    void removeHistory(int index);
    void clearHistory();
    // Adds to the collection (made when missing); returns the request's index in it.
    int saveRequest(const QString& collection, const QString& name, const ClientRequest& request);
    // Copies a saved request right after itself, named "<name> copy".
    void duplicateRequest(int collection, int index);
    void removeRequest(int collection, int index);
    void removeCollection(int collection);

Q_SIGNALS:
    void historyChanged();
    void collectionsChanged();

private:
    void load();
    bool save();

    QString m_path;
    QString m_loadError;
    QString m_saveError;
    QVector<HistoryEntry> m_history; // newest first
    QVector<Collection> m_collections;
};

} // namespace restyscope::ui::client
