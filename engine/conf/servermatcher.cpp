#include "engine/conf/servermatcher.h"

#include <algorithm>
#include <map>
#include <set>

namespace restyscope::engine::conf {

// The servers of each address:port and their names, as nginx hashes them.
struct ServerIndex
{
    struct Wildcard
    {
        std::string affix;          // ".example.com" (leading) or "www.example." (trailing)
        bool matchesDomain = false; // ".example.com" also matches "example.com"
        const ServerConfig* server = nullptr;
    };
    struct Group
    {
        std::string address;
        std::uint16_t port = 0;
        std::string text; // "0.0.0.0:80"
        bool wildcard = false;
        std::vector<const ServerConfig*> servers;
        const ServerConfig* defaultServer = nullptr; // default_server, else the first
        bool explicitDefault = false;
        std::vector<std::pair<std::string, const ServerConfig*>> exact; // sorted by name
        std::vector<Wildcard> head;                                     // most specific first
        std::vector<Wildcard> tail;                                     // most specific first
        std::vector<std::pair<const Regex*, const ServerConfig*>> regexes;
    };
    std::vector<Group> groups;
};

namespace {

char lower(char ch)
{
    return (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
}

// `name` is lowercase already.
bool equalsHost(std::string_view name, std::string_view host)
{
    return name.size() == host.size() && std::equal(name.begin(), name.end(), host.begin(),
                                                    [](char n, char h) { return n == lower(h); });
}

bool isIpv6(std::string_view address)
{
    return address.find(':') != std::string_view::npos;
}

std::string addressText(std::string_view address, std::uint16_t port)
{
    if (isIpv6(address)) {
        return "[" + std::string(address) + "]:" + std::to_string(port);
    }
    return std::string(address) + ":" + std::to_string(port);
}

// Adds the names of a shared address:port the way ngx_hash_add_key() does with
// NGX_HASH_WILDCARD_KEY; a name it declines is invalid, one it finds busy is dropped.
bool addNames(ServerIndex::Group& group, std::vector<ServerNameIssue>& issues)
{
    std::set<std::string> exactKeys;
    std::set<std::string> headKeys;
    std::set<std::string> tailKeys;
    for (const ServerConfig* server : group.servers) {
        std::size_t regex = 0;
        for (const std::string& name : server->serverNames) {
            if (name.starts_with('~')) {
                group.regexes.emplace_back(server->serverNameRegexes[regex++].get(), server);
                continue;
            }
            const auto stars = std::count(name.begin(), name.end(), '*');
            const bool declined = stars > 1 || name.find("..") != std::string::npos ||
                                  name.find('\0') != std::string::npos;
            bool busy = false;
            if (declined) {
                issues.push_back({true, name, group.text});
                return false;
            }
            if (name.size() > 1 && name[0] == '.') {
                const std::string domain = name.substr(1);
                busy = !exactKeys.insert(domain).second || !headKeys.insert(domain).second;
                if (!busy) {
                    group.head.push_back({name, true, server});
                }
            } else if (name.size() > 2 && name.starts_with("*.")) {
                busy = !headKeys.insert(name.substr(2)).second;
                if (!busy) {
                    group.head.push_back({name.substr(1), false, server});
                }
            } else if (name.size() > 2 && name.ends_with(".*")) {
                const std::string prefix = name.substr(0, name.size() - 1);
                busy = !tailKeys.insert(prefix).second;
                if (!busy) {
                    group.tail.push_back({prefix, false, server});
                }
            } else if (stars) {
                issues.push_back({true, name, group.text});
                return false;
            } else {
                busy = !exactKeys.insert(name).second;
                if (!busy) {
                    group.exact.emplace_back(name, server);
                }
            }
            if (busy) {
                issues.push_back({false, name, group.text});
            }
        }
    }
    std::sort(group.exact.begin(), group.exact.end());
    auto longerFirst = [](const auto& a, const auto& b) { return a.affix.size() > b.affix.size(); };
    std::stable_sort(group.head.begin(), group.head.end(), longerFirst);
    std::stable_sort(group.tail.begin(), group.tail.end(), longerFirst);
    return true;
}

const ServerConfig* lookupName(const ServerIndex::Group& group, std::string_view host)
{
    const auto exact = std::lower_bound(
        group.exact.begin(), group.exact.end(), host, [](const auto& entry, std::string_view key) {
            return std::lexicographical_compare(entry.first.begin(), entry.first.end(), key.begin(),
                                                key.end(),
                                                [](char n, char h) { return n < lower(h); });
        });
    if (exact != group.exact.end() && equalsHost(exact->first, host)) {
        return exact->second;
    }
    if (host.empty()) {
        return nullptr;
    }
    for (const ServerIndex::Wildcard& head : group.head) {
        const std::string_view suffix = head.affix;
        if ((host.size() > suffix.size() &&
             equalsHost(suffix, host.substr(host.size() - suffix.size()))) ||
            (head.matchesDomain && equalsHost(suffix.substr(1), host))) {
            return head.server;
        }
    }
    for (const ServerIndex::Wildcard& tail : group.tail) {
        const std::string_view prefix = tail.affix;
        if (host.size() > prefix.size() && equalsHost(prefix, host.substr(0, prefix.size()))) {
            return tail.server;
        }
    }
    if (!group.regexes.empty()) {
        std::string lowered(host);
        std::transform(lowered.begin(), lowered.end(), lowered.begin(), lower);
        for (const auto& [regex, server] : group.regexes) {
            if (regex->matches(lowered)) {
                return server;
            }
        }
    }
    return nullptr;
}

} // namespace

std::vector<ServerNameIssue> indexServers(HttpConfig& http)
{
    auto index = std::make_shared<ServerIndex>();
    // Groups are found through maps: a port range (`listen 1-65535`) makes thousands of
    // them, and a linear search per listen address was quadratic.
    std::map<std::pair<std::string, std::uint16_t>, std::size_t> groupOf;
    for (const auto& server : http.servers) {
        for (const ListenAddress& listen : server->listen) {
            const auto [found, added] =
                groupOf.try_emplace({listen.address, listen.port}, index->groups.size());
            if (added) {
                ServerIndex::Group group;
                group.address = listen.address;
                group.port = listen.port;
                group.text = addressText(listen.address, listen.port);
                group.wildcard = listen.address == "0.0.0.0" || listen.address == "::";
                index->groups.push_back(std::move(group));
            }
            const auto group = index->groups.begin() + static_cast<std::ptrdiff_t>(found->second);
            if (std::find(group->servers.begin(), group->servers.end(), server.get()) ==
                group->servers.end()) {
                group->servers.push_back(server.get());
            }
            if (listen.defaultServer && !group->explicitDefault) {
                group->defaultServer = server.get();
                group->explicitDefault = true;
            } else if (!group->defaultServer) {
                group->defaultServer = server.get();
            }
        }
    }

    // nginx goes port by port in the order first seen, wildcard addresses last.
    std::vector<ServerNameIssue> issues;
    std::vector<std::vector<ServerIndex::Group*>> byPort; // in the order first seen
    std::map<std::pair<bool, std::uint16_t>, std::size_t> portOf;
    for (ServerIndex::Group& group : index->groups) {
        const auto [found, added] =
            portOf.try_emplace({isIpv6(group.address), group.port}, byPort.size());
        if (added) {
            byPort.emplace_back();
        }
        byPort[found->second].push_back(&group);
    }
    bool failed = false;
    for (auto& groups : byPort) {
        std::stable_sort(groups.begin(), groups.end(),
                         [](const auto* a, const auto* b) { return !a->wildcard && b->wildcard; });
        for (ServerIndex::Group* group : groups) {
            if (!failed && group->servers.size() > 1) {
                failed = !addNames(*group, issues);
            }
        }
    }
    http.serverIndex = std::move(index);
    return issues;
}

const ServerConfig* findServer(const HttpConfig& http, std::string_view localAddress,
                               std::uint16_t port, std::string_view host)
{
    if (!http.serverIndex) {
        return nullptr;
    }
    const ServerIndex::Group* match = nullptr;
    for (const ServerIndex::Group& group : http.serverIndex->groups) {
        if (group.port != port) {
            continue;
        }
        if (group.address == localAddress) {
            match = &group;
            break;
        }
        if (group.wildcard && isIpv6(group.address) == isIpv6(localAddress) && !match) {
            match = &group;
        }
    }
    if (!match) {
        return nullptr;
    }
    if (const ServerConfig* named = lookupName(*match, host)) {
        return named;
    }
    return match->defaultServer;
}

std::vector<ListenAddress> listenAddresses(const HttpConfig& http)
{
    std::vector<ListenAddress> addresses;
    for (const auto& server : http.servers) {
        for (const ListenAddress& listen : server->listen) {
            const auto it = std::find_if(addresses.begin(), addresses.end(), [&](const auto& a) {
                return a.address == listen.address && a.port == listen.port;
            });
            if (it == addresses.end()) {
                addresses.push_back(listen);
            } else {
                it->defaultServer = it->defaultServer || listen.defaultServer;
                it->implicit = it->implicit && listen.implicit;
            }
        }
    }
    return addresses;
}

} // namespace restyscope::engine::conf
