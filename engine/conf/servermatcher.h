#pragma once
// Design: nginx's choice of virtual server. A connection belongs to the servers listening
// on exactly the address:port it arrived on, or, when none does, to those on the wildcard
// address of that port. Among them the Host picks: exact name, then the most specific
// leading wildcard ("*.example.com", ".example.com"), the most specific trailing one
// ("www.example.*"), the first matching regex; else the address:port's default_server,
// else its first server. A missing Host looks up the name "", which every server without
// server_name has. A name that nginx finds conflicting ("conflicting server name ...,
// ignored") is dropped here too, so the same server answers.

#include "engine/conf/config.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace restyscope::engine::conf {

// A server name problem nginx reports for an address:port shared by several servers.
struct ServerNameIssue
{
    bool invalid = false; // "invalid server name or wildcard" (an error), else a conflict
    std::string name;
    std::string address; // "0.0.0.0:80", "[::1]:8080"
};

// Builds http.serverIndex from the servers' listens and names; returns nginx's
// complaints in the order nginx logs them.
std::vector<ServerNameIssue> indexServers(HttpConfig& http);

// `localAddress` is the numeric address the connection was accepted on ("127.0.0.1",
// "::1"); `host` the request's Host without port (any case; empty when absent).
const ServerConfig* findServer(const HttpConfig& http, std::string_view localAddress,
                               std::uint16_t port, std::string_view host);

// The distinct address:port pairs the servers listen on, in the order first given;
// `defaultServer` is set when some server is the default for that pair.
std::vector<ListenAddress> listenAddresses(const HttpConfig& http);

} // namespace restyscope::engine::conf
