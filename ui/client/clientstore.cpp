#include "ui/client/clientstore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStandardPaths>

#include <algorithm>

namespace restyscope::ui::client {

namespace {

constexpr int kFormatVersion = 1;

QJsonObject historyToJson(const HistoryEntry& entry)
{
    QJsonObject object{{QStringLiteral("request"), entry.request.toJson()},
                       {QStringLiteral("sentAt"), entry.sentAt.toString(Qt::ISODateWithMs)},
                       {QStringLiteral("status"), entry.status},
                       {QStringLiteral("ms"), entry.ms}};
    if (entry.runtimeRequestId != 0) {
        object.insert(QStringLiteral("runtimeRequestId"), QString::number(entry.runtimeRequestId));
    }
    return object;
}

HistoryEntry historyFromJson(const QJsonObject& object)
{
    HistoryEntry entry;
    entry.request = ClientRequest::fromJson(object.value(QStringLiteral("request")).toObject());
    entry.sentAt =
        QDateTime::fromString(object.value(QStringLiteral("sentAt")).toString(), Qt::ISODateWithMs);
    entry.status = object.value(QStringLiteral("status")).toInt();
    entry.ms = object.value(QStringLiteral("ms")).toDouble();
    entry.runtimeRequestId =
        object.value(QStringLiteral("runtimeRequestId")).toString().toULongLong();
    return entry;
}

} // namespace

ClientStore::ClientStore(QString path, QObject* parent)
    : QObject(parent), m_path(path.isEmpty() ? defaultPath() : std::move(path))
{
    load();
}

QString ClientStore::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
           QStringLiteral("/client.json");
}

void ClientStore::load()
{
    QFile file(m_path);
    if (!file.exists()) {
        return;
    }
    if (!file.open(QIODevice::ReadOnly)) {
        m_loadError = tr("cannot read %1: %2").arg(m_path, file.errorString());
        return;
    }
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject()) {
        m_loadError = tr("%1 is not a client file: %2").arg(m_path, error.errorString());
        return;
    }
    const QJsonObject root = document.object();
    const QJsonArray history = root.value(QStringLiteral("history")).toArray();
    for (const auto& item : history) {
        if (m_history.size() < kMaxHistory) {
            m_history.append(historyFromJson(item.toObject()));
        }
    }
    const QJsonArray collections = root.value(QStringLiteral("collections")).toArray();
    for (const auto& item : collections) {
        const QJsonObject object = item.toObject();
        Collection collection{object.value(QStringLiteral("name")).toString(), {}};
        const QJsonArray requests = object.value(QStringLiteral("requests")).toArray();
        for (const auto& saved : requests) {
            const QJsonObject request = saved.toObject();
            collection.requests.append(
                {request.value(QStringLiteral("name")).toString(),
                 ClientRequest::fromJson(request.value(QStringLiteral("request")).toObject())});
        }
        m_collections.append(std::move(collection));
    }
}

bool ClientStore::save()
{
    QJsonArray history;
    for (const auto& entry : std::as_const(m_history)) {
        history.append(historyToJson(entry));
    }
    QJsonArray collections;
    for (const auto& collection : std::as_const(m_collections)) {
        QJsonArray requests;
        for (const auto& saved : collection.requests) {
            requests.append(QJsonObject{{QStringLiteral("name"), saved.name},
                                        {QStringLiteral("request"), saved.request.toJson()}});
        }
        collections.append(QJsonObject{{QStringLiteral("name"), collection.name},
                                       {QStringLiteral("requests"), requests}});
    }
    const QJsonObject root{{QStringLiteral("version"), kFormatVersion},
                           {QStringLiteral("history"), history},
                           {QStringLiteral("collections"), collections}};
    QDir().mkpath(QFileInfo(m_path).absolutePath());
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(QJsonDocument(root).toJson(QJsonDocument::Indented)) < 0 || !file.commit()) {
        m_saveError = tr("cannot write %1: %2").arg(m_path, file.errorString());
        return false;
    }
    m_saveError.clear();
    m_loadError.clear();
    return true;
}

void ClientStore::addHistory(const HistoryEntry& entry)
{
    m_history.prepend(entry);
    if (m_history.size() > kMaxHistory) {
        m_history.resize(kMaxHistory);
    }
    save();
    Q_EMIT historyChanged();
}

void ClientStore::removeHistory(int index)
{
    if (index < 0 || index >= m_history.size()) {
        return;
    }
    m_history.removeAt(index);
    save();
    Q_EMIT historyChanged();
}

void ClientStore::clearHistory()
{
    m_history.clear();
    save();
    Q_EMIT historyChanged();
}

int ClientStore::saveRequest(const QString& collection, const QString& name,
                             const ClientRequest& request)
{
    const QString collectionName =
        collection.trimmed().isEmpty() ? tr("Saved") : collection.trimmed();
    auto it = std::find_if(m_collections.begin(), m_collections.end(),
                           [&](const Collection& c) { return c.name == collectionName; });
    if (it == m_collections.end()) {
        m_collections.append({collectionName, {}});
        it = m_collections.end() - 1;
    }
    it->requests.append({name.trimmed().isEmpty() ? request.method + QLatin1Char(' ') + request.url
                                                  : name.trimmed(),
                         request});
    save();
    Q_EMIT collectionsChanged();
    return static_cast<int>(it->requests.size()) - 1;
}

void ClientStore::duplicateRequest(int collection, int index)
{
    if (collection < 0 || collection >= m_collections.size() || index < 0 ||
        index >= m_collections[collection].requests.size()) {
        return;
    }
    auto& requests = m_collections[collection].requests;
    SavedRequest copy = requests.at(index);
    copy.name += tr(" copy");
    requests.insert(index + 1, copy);
    save();
    Q_EMIT collectionsChanged();
}

void ClientStore::removeRequest(int collection, int index)
{
    if (collection < 0 || collection >= m_collections.size() || index < 0 ||
        index >= m_collections[collection].requests.size()) {
        return;
    }
    m_collections[collection].requests.removeAt(index);
    save();
    Q_EMIT collectionsChanged();
}

void ClientStore::removeCollection(int collection)
{
    if (collection < 0 || collection >= m_collections.size()) {
        return;
    }
    m_collections.removeAt(collection);
    save();
    Q_EMIT collectionsChanged();
}

} // namespace restyscope::ui::client
