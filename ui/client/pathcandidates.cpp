#include "ui/client/pathcandidates.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QRegularExpression>

namespace restyscope::ui::client {

namespace {

QString unquoted(QString word)
{
    if (word.size() >= 2 &&
        (word.front() == QLatin1Char('"') || word.front() == QLatin1Char('\'')) &&
        word.back() == word.front()) {
        return word.mid(1, word.size() - 2);
    }
    return word;
}

// The literal text a regex starts with: "^/api/([a-z]+)" -> "/api/".
QString literalHead(const QString& regex)
{
    QString head;
    qsizetype i = regex.startsWith(QLatin1Char('^')) ? 1 : 0;
    for (; i < regex.size(); ++i) {
        const QChar c = regex.at(i);
        if (QStringLiteral("()[]{}.*+?|$^").contains(c)) {
            break;
        }
        if (c == QLatin1Char('\\') && i + 1 < regex.size() &&
            QStringLiteral("./-").contains(regex.at(i + 1))) {
            head += regex.at(++i);
            continue;
        }
        if (c == QLatin1Char('\\')) {
            break;
        }
        head += c;
    }
    return head;
}

} // namespace

QStringList pathCandidates(const QString& confText, const QStringList& luaFiles)
{
    // location [modifier] pattern {   (comments removed first)
    QString text;
    const auto lines = confText.split(QLatin1Char('\n'));
    for (const auto& line : lines) {
        const auto hash = line.indexOf(QLatin1Char('#'));
        text += (hash >= 0 ? line.left(hash) : line) + QLatin1Char('\n');
    }
    static const QRegularExpression location(
        QStringLiteral(R"(\blocation\s+(?:(=|\^~|~\*|~)\s*)?("[^"]*"|'[^']*'|[^\s{]+)\s*\{)"));
    QStringList names;
    for (const auto& file : luaFiles) {
        QString stem = file;
        stem.chop(4); // ".lua"
        names << stem.section(QLatin1Char('/'), 1) << stem.section(QLatin1Char('/'), -1);
    }
    QStringList paths;
    auto add = [&paths](const QString& path) {
        if (!path.isEmpty() && path.startsWith(QLatin1Char('/')) && !paths.contains(path)) {
            paths << path;
        }
    };
    auto it = location.globalMatch(text);
    while (it.hasNext()) {
        const auto match = it.next();
        const QString modifier = match.captured(1);
        const QString pattern = unquoted(match.captured(2));
        if (!modifier.startsWith(QLatin1Char('~'))) {
            if (!pattern.startsWith(QLatin1Char('@'))) {
                add(pattern);
            }
            continue;
        }
        const QRegularExpression regex(pattern, modifier == QLatin1String("~*")
                                                    ? QRegularExpression::CaseInsensitiveOption
                                                    : QRegularExpression::NoPatternOption);
        if (!regex.isValid()) {
            continue;
        }
        const QString head = literalHead(pattern);
        for (const auto& name : std::as_const(names)) {
            const QString candidate = head + name;
            if (!name.isEmpty() && regex.match(candidate).hasMatch()) {
                add(candidate);
            }
        }
    }
    return paths;
}

QStringList pathCandidates(const QString& prefix)
{
    QFile conf(prefix + QStringLiteral("/conf/nginx.conf"));
    if (prefix.isEmpty() || !conf.open(QIODevice::ReadOnly)) {
        return {};
    }
    QStringList luaFiles;
    QDirIterator it(prefix, {QStringLiteral("*.lua")}, QDir::Files, QDirIterator::Subdirectories);
    const QDir root(prefix);
    while (it.hasNext() && luaFiles.size() < 2000) {
        luaFiles << root.relativeFilePath(it.next());
    }
    luaFiles.sort();
    return pathCandidates(QString::fromUtf8(conf.readAll()), luaFiles);
}

} // namespace restyscope::ui::client
