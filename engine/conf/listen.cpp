// Design: the virtual-server directives. `listen` is read the way ngx_parse_url reads a
// listen address (ports, port ranges, [IPv6], names resolved to every address) and
// grouped per address:port as nginx does, which is where nginx finds duplicate listens
// and default servers. `server_name` names are stored lowercased; after http{} the names
// of each address:port are checked for nginx's invalid wildcards and conflicts.

#include "engine/conf/buildstate.h"
#include "engine/conf/servermatcher.h"
#include "engine/conf/values.h"

#include <algorithm>
#include <arpa/inet.h>
#include <netdb.h>
#include <unistd.h>

namespace restyscope::engine::conf::detail {

namespace {

std::string lowercase(std::string_view text)
{
    std::string out(text);
    for (char& ch : out) {
        if (ch >= 'A' && ch <= 'Z') {
            ch = static_cast<char>(ch - 'A' + 'a');
        }
    }
    return out;
}

// ngx_atoi for a port; nullopt when not a number.
std::optional<std::int64_t> portNumber(std::string_view text)
{
    return parseNumber(text);
}

// ngx_inet_addr: exactly four dot-separated decimal octets.
bool parseIpv4(std::string_view text, std::string& canonical)
{
    int octets = 0;
    int value = 0;
    int digits = 0;
    for (const char ch : text) {
        if (ch >= '0' && ch <= '9') {
            value = value * 10 + (ch - '0');
            if (value > 255) {
                return false;
            }
            ++digits;
            continue;
        }
        if (ch == '.' && digits > 0 && octets < 3) {
            ++octets;
            value = 0;
            digits = 0;
            continue;
        }
        return false;
    }
    if (octets != 3 || digits == 0) {
        return false;
    }
    in_addr addr = {};
    if (::inet_pton(AF_INET, std::string(text).c_str(), &addr) != 1) {
        // inet_pton refuses leading zeros that nginx accepts: rebuild from the octets.
        unsigned parts[4] = {};
        std::size_t part = 0;
        for (const char ch : text) {
            if (ch == '.') {
                ++part;
            } else {
                parts[part] = parts[part] * 10 + static_cast<unsigned>(ch - '0');
            }
        }
        canonical = std::to_string(parts[0]) + "." + std::to_string(parts[1]) + "." +
                    std::to_string(parts[2]) + "." + std::to_string(parts[3]);
        return true;
    }
    char buffer[INET_ADDRSTRLEN];
    canonical = ::inet_ntop(AF_INET, &addr, buffer, sizeof buffer);
    return true;
}

bool parseIpv6(std::string_view text, std::string& canonical)
{
    in6_addr addr = {};
    if (::inet_pton(AF_INET6, std::string(text).c_str(), &addr) != 1) {
        return false;
    }
    char buffer[INET6_ADDRSTRLEN];
    canonical = ::inet_ntop(AF_INET6, &addr, buffer, sizeof buffer);
    return true;
}

// A host name resolved as ngx_inet_resolve_host does: IPv4 addresses first.
bool resolveHost(const std::string& host, std::vector<std::string>& addresses)
{
    addrinfo hints = {};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* result = nullptr;
    if (::getaddrinfo(host.c_str(), nullptr, &hints, &result) != 0 || !result) {
        return false;
    }
    for (const int family : {AF_INET, AF_INET6}) {
        for (addrinfo* ai = result; ai; ai = ai->ai_next) {
            if (ai->ai_family != family) {
                continue;
            }
            char buffer[INET6_ADDRSTRLEN];
            const void* src = family == AF_INET
                                  ? static_cast<const void*>(
                                        &reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr)
                                  : static_cast<const void*>(
                                        &reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr);
            addresses.emplace_back(::inet_ntop(family, src, buffer, sizeof buffer));
        }
    }
    ::freeaddrinfo(result);
    return !addresses.empty();
}

// Parses "[port]" / "addr[:port]" / "[v6][:port]", with nginx's "first-last" port ranges.
// Returns nginx's error ("invalid port", "no host", ...) or an empty string.
std::string parseListenUrl(const std::string& url, std::vector<ListenAddress>& out)
{
    std::string_view host = url;
    std::vector<std::string> addresses;

    auto parsePorts = [](std::string_view text, int& first, int& last) -> std::string {
        last = 0;
        const std::size_t dash = text.find('-');
        if (dash != std::string_view::npos) {
            const auto n = portNumber(text.substr(dash + 1));
            if (!n || *n < 1 || *n > 65535) {
                return "invalid port";
            }
            last = static_cast<int>(*n);
            text = text.substr(0, dash);
        }
        const auto n = portNumber(text);
        if (!n || *n < 1 || *n > 65535) {
            return "invalid port";
        }
        first = static_cast<int>(*n);
        if (last && first > last) {
            return "invalid port range";
        }
        return {};
    };

    int first = 80;
    int last = 0;
    if (!url.empty() && url[0] == '[') {
        const std::size_t close = url.find(']');
        if (close == std::string::npos) {
            return "invalid host";
        }
        std::string_view rest = std::string_view(url).substr(close + 1);
        if (rest.find('/') != std::string_view::npos) {
            return "invalid host";
        }
        if (!rest.empty()) {
            if (rest[0] != ':') {
                return "invalid host";
            }
            if (std::string error = parsePorts(rest.substr(1), first, last); !error.empty()) {
                return error;
            }
        }
        host = std::string_view(url).substr(1, close - 1);
        if (host.empty()) {
            return "no host";
        }
        std::string canonical;
        if (!parseIpv6(host, canonical)) {
            return "invalid IPv6 address";
        }
        addresses.push_back(canonical);
    } else {
        if (url.find_first_of("/?") != std::string::npos) {
            return "invalid host";
        }
        const std::size_t colon = url.find(':');
        if (colon != std::string::npos) {
            host = std::string_view(url).substr(0, colon);
            const std::string_view ports = std::string_view(url).substr(colon + 1);
            if (std::string error = parsePorts(ports, first, last); !error.empty()) {
                return error;
            }
        } else {
            // A lone value is a port when it reads as one ("8080", "8000-8010").
            const std::size_t dash = url.find('-');
            const bool rangeOk =
                dash == std::string::npos || portNumber(std::string_view(url).substr(dash + 1));
            if (rangeOk && portNumber(std::string_view(url).substr(0, dash))) {
                if (std::string error = parsePorts(url, first, last); !error.empty()) {
                    return error;
                }
                addresses.emplace_back("0.0.0.0");
                host = {};
            }
        }
        if (addresses.empty()) {
            if (host.empty()) {
                return "no host";
            }
            std::string canonical;
            if (host == "*") {
                addresses.emplace_back("0.0.0.0");
            } else if (parseIpv4(host, canonical)) {
                addresses.push_back(canonical);
            } else if (!resolveHost(std::string(host), addresses)) {
                return "host not found";
            }
        }
    }

    const int lastPort = last ? last : first;
    for (const std::string& address : addresses) {
        for (int port = first; port <= lastPort; ++port) {
            ListenAddress listen;
            listen.address = address;
            listen.port = static_cast<std::uint16_t>(port);
            out.push_back(listen);
        }
    }
    return {};
}

std::string addressText(const ListenAddress& address)
{
    if (address.address.find(':') != std::string::npos) {
        return "[" + address.address + "]:" + std::to_string(address.port);
    }
    return address.address + ":" + std::to_string(address.port);
}

// so_keepalive=on|off|[idle]:[interval]:[count]
bool validKeepalive(std::string_view value)
{
    if (value == "on" || value == "off") {
        return true;
    }
    std::string_view parts[3];
    for (int i = 0; i < 3; ++i) {
        const std::size_t colon = value.find(':');
        parts[i] = value.substr(0, colon);
        value = colon == std::string_view::npos ? std::string_view() : value.substr(colon + 1);
    }
    bool any = false;
    for (int i = 0; i < 3; ++i) {
        if (parts[i].empty()) {
            continue;
        }
        const auto n = i < 2 ? parseTime(parts[i], true) : parseNumber(parts[i]);
        if (!n) {
            return false;
        }
        any = any || *n != 0;
    }
    return any;
}

} // namespace

bool handleListen(BuildState& state, Scope& scope, const Directive& directive, const DirectiveSpec&)
{
    ServerState& server = *scope.server;
    server.hasListen = true;
    const std::string& url = directive.args[0];
    if (url.size() >= 5 && lowercase(url.substr(0, 5)) == "unix:") {
        return state.fail("unix domain sockets in \"listen\" are not supported by restyscope",
                          directive);
    }
    std::vector<ListenAddress> addresses;
    if (std::string error = parseListenUrl(url, addresses); !error.empty()) {
        return state.fail(error + " in " + quoted(url) + " of the \"listen\" directive", directive);
    }

    bool defaultServer = false;
    bool optionsSet = false;
    for (std::size_t i = 1; i < directive.args.size(); ++i) {
        const std::string& arg = directive.args[i];
        auto option = [&](std::string_view name) { return arg.starts_with(name); };
        if (arg == "default_server" || arg == "default") {
            defaultServer = true;
        } else if (arg == "bind" || arg == "deferred" || arg == "reuseport") {
            optionsSet = true;
        } else if (option("fastopen=")) {
            if (!parseNumber(std::string_view(arg).substr(9))) {
                return state.fail("invalid fastopen " + quoted(arg), directive);
            }
            optionsSet = true;
        } else if (option("backlog=")) {
            const auto n = parseNumber(std::string_view(arg).substr(8));
            if (!n || *n == 0) {
                return state.fail("invalid backlog " + quoted(arg), directive);
            }
            optionsSet = true;
        } else if (option("rcvbuf=") || option("sndbuf=")) {
            if (!parseSize(std::string_view(arg).substr(7))) {
                return state.fail("invalid " + arg.substr(0, 6) + " " + quoted(arg), directive);
            }
            optionsSet = true;
        } else if (option("accept_filter=")) {
            state.notice(LogLevel::Emerg,
                         "accept filters " + quoted(arg) +
                             " are not supported on this platform, ignored",
                         directive);
        } else if (option("ipv6only=o")) {
            const std::string flags = arg.substr(9);
            if (flags != "on" && flags != "off") {
                return state.fail("invalid ipv6only flags " + quoted(flags), directive);
            }
            optionsSet = true;
        } else if (option("so_keepalive=")) {
            if (!validKeepalive(std::string_view(arg).substr(13))) {
                return state.fail("invalid so_keepalive value: " + quoted(arg.substr(13)),
                                  directive);
            }
            optionsSet = true;
        } else if (arg == "ssl" || arg == "http2" || arg == "proxy_protocol") {
            return state.fail("the " + quoted(arg) +
                                  " parameter of \"listen\" is not supported by restyscope",
                              directive);
        } else {
            return state.fail("invalid parameter " + quoted(arg), directive);
        }
    }

    for (ListenAddress& address : addresses) {
        address.defaultServer = defaultServer;
        server.config->listen.push_back(address);
        if (!addListen(state, server, address, optionsSet, &directive)) {
            return false;
        }
    }
    return true;
}

bool addListen(BuildState& state, ServerState& server, const ListenAddress& address,
               bool optionsSet, const Directive* directive)
{
    auto fail = [&](std::string message) {
        return directive ? state.fail(message, *directive) : state.failText(std::move(message));
    };
    auto& groups = state.http->listens;
    const auto [found, added] =
        state.http->listenIndex.try_emplace({address.address, address.port}, groups.size());
    if (added) {
        ListenGroup group;
        group.address = address;
        group.address.defaultServer = false;
        group.text = addressText(address);
        group.optionsSet = optionsSet;
        group.hasDefault = address.defaultServer;
        group.servers.push_back(server.config);
        groups.push_back(std::move(group));
        return true;
    }
    ListenGroup* const group = &groups[found->second];
    if (std::find(group->servers.begin(), group->servers.end(), server.config) !=
        group->servers.end()) {
        return fail("a duplicate listen " + group->text);
    }
    group->servers.push_back(server.config);
    if (optionsSet) {
        if (group->optionsSet) {
            return fail("duplicate listen options for " + group->text);
        }
        group->optionsSet = true;
    }
    if (address.defaultServer) {
        if (group->hasDefault) {
            return fail("a duplicate default server for " + group->text);
        }
        group->hasDefault = true;
    }
    return true;
}

bool handleServerName(BuildState& state, Scope& scope, const Directive& directive,
                      const DirectiveSpec&)
{
    ServerConfig& server = *scope.server->config;
    for (std::size_t i = 0; i < directive.args.size(); ++i) {
        const std::string& name = directive.args[i];
        const char first = name.empty() ? '\0' : name[0];
        if ((first == '*' && (name.size() < 3 || name[1] != '.')) ||
            (first == '.' && name.size() < 2)) {
            return state.fail("server name " + quoted(name) + " is invalid", directive);
        }
        if (name.find('/') != std::string::npos) {
            state.notice(LogLevel::Warn, "server name " + quoted(name) + " has suspicious symbols",
                         directive);
        }
        if (first != '~') {
            if (lowercase(name) == "$hostname") {
                char host[256] = {};
                ::gethostname(host, sizeof host - 1);
                server.serverNames.push_back(lowercase(host));
            } else {
                server.serverNames.push_back(lowercase(name));
            }
            continue;
        }
        if (name.size() == 1) {
            return state.fail("empty regex in server name " + quoted(name), directive);
        }
        const std::string pattern = name.substr(1);
        // nginx makes a server name regex caseless when it has an uppercase letter.
        const bool caseless = std::any_of(pattern.begin(), pattern.end(),
                                          [](char ch) { return ch >= 'A' && ch <= 'Z'; });
        std::string error;
        auto regex = Regex::compile(pattern, caseless ? Regex::Caseless : Regex::NoOptions, &error);
        if (!regex) {
            return state.fail(error, directive);
        }
        noteCaptures(state, *regex);
        server.serverNames.push_back(name);
        server.serverNameRegexes.push_back(std::move(regex));
    }
    return true;
}

bool finishServerNames(BuildState& state)
{
    for (const ServerNameIssue& issue : indexServers(*state.config->http)) {
        if (issue.invalid) {
            return state.failText("invalid server name or wildcard " + quoted(issue.name) + " on " +
                                  issue.address);
        }
        state.messages.push_back(
            {LogLevel::Warn,
             "conflicting server name " + quoted(issue.name) + " on " + issue.address + ", ignored",
             false});
    }
    return true;
}

} // namespace restyscope::engine::conf::detail
