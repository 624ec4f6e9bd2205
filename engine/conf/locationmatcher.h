#pragma once
// Design: nginx's location search (ngx_http_core_find_location), run per request over
// tables built once when the conf is loaded. At each level (server, or a prefix location
// with nested ones): an exact `=` match ends the search; else the longest prefix is taken
// and its nested locations are searched first; then, unless that prefix is `^~`, the
// level's regexes in config order; the first regex that matches wins (and its nested
// regexes are searched), else the longest prefix stands. As in nginx, prefix locations
// nested in a regex location are never matched.
//
// findLocation() allocates only to copy captures out when a regex matched.

#include "engine/conf/config.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace restyscope::engine::conf {

struct LocationMatchResult
{
    const LocationConfig* location = nullptr; // null: no location matched
    // $0..$n of the last regex that matched: nginx keeps only that one's, and `$n` past
    // the end (or a group that did not take part) is "". Empty when no regex matched.
    std::vector<std::string> captures;
    // Named captures of every regex that matched, first match first; a later regex
    // overwrites a name it shares with an earlier one.
    std::vector<std::pair<std::string, std::string>> named;
};

struct DuplicateLocation
{
    std::string name;
    SourceLocation where;
};

// Builds server.locationIndex and the index of every nested location. Returns the first
// duplicate location in the order nginx reports it ("duplicate location ...").
std::optional<DuplicateLocation> indexLocations(ServerConfig& server);

LocationMatchResult findLocation(const ServerConfig& server, std::string_view uri);
// The same, reusing `result`'s storage.
void findLocation(const ServerConfig& server, std::string_view uri, LocationMatchResult& result);

// A named location ("@name", with the '@') of the server, for ngx.exec.
const LocationConfig* findNamedLocation(const ServerConfig& server, std::string_view name);

} // namespace restyscope::engine::conf
