#include "engine/conf/locationmatcher.h"

#include <algorithm>
#include <array>

namespace restyscope::engine::conf {

// One level's lookup tables.
struct LocationIndex
{
    struct Named
    {
        std::string name;
        const LocationConfig* location = nullptr;
    };
    struct Prefix
    {
        std::string name;
        const LocationConfig* location = nullptr;
        int parent = -1; // the longest other prefix in the table that is a prefix of this one
    };
    std::vector<Named> exact;                   // sorted by name
    std::vector<Prefix> prefixes;               // sorted by name
    std::vector<const LocationConfig*> regexes; // config order
    std::vector<Named> named;                   // server level only, sorted by name (stable)
};

namespace {

bool isStatic(const LocationConfig& location)
{
    return location.match == LocationMatch::Exact || location.match == LocationMatch::Prefix ||
           location.match == LocationMatch::PrefixNoRegex;
}

bool isRegex(const LocationConfig& location)
{
    return location.match == LocationMatch::Regex || location.match == LocationMatch::RegexCaseless;
}

// nginx sorts a level's exact and prefix locations by name, an exact one before a prefix
// one of the same name, and keeps config order otherwise.
std::vector<LocationConfig*> sortedStatic(std::vector<std::unique_ptr<LocationConfig>>& locations)
{
    std::vector<LocationConfig*> sorted;
    for (const auto& location : locations) {
        if (isStatic(*location)) {
            sorted.push_back(location.get());
        }
    }
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
        if (a->pattern != b->pattern) {
            return a->pattern < b->pattern;
        }
        return a->match == LocationMatch::Exact && b->match != LocationMatch::Exact;
    });
    return sorted;
}

// Builds the index of the level holding `locations`; `withStatic` is false for a regex
// location, whose nested prefixes nginx never looks at. Nested levels are indexed first,
// which is also the order nginx finds duplicates in.
std::shared_ptr<const LocationIndex>
buildLevel(std::vector<std::unique_ptr<LocationConfig>>& locations, bool withStatic,
           bool serverLevel, std::optional<DuplicateLocation>& duplicate)
{
    auto index = std::make_shared<LocationIndex>();
    const std::vector<LocationConfig*> sorted = sortedStatic(locations);

    // Nested levels: static children in sorted order first (nginx's recursion), then the
    // others, which cannot hold duplicates nginx would see.
    for (LocationConfig* location : sorted) {
        location->index = buildLevel(location->locations, withStatic, false, duplicate);
    }
    for (const auto& location : locations) {
        if (!isStatic(*location)) {
            location->index = buildLevel(location->locations, false, false, duplicate);
        }
    }

    if (withStatic) {
        const LocationConfig* previous = nullptr;
        bool previousExact = false;
        bool previousPrefix = false;
        for (const LocationConfig* location : sorted) {
            const bool exact = location->match == LocationMatch::Exact;
            if (previous && previous->pattern == location->pattern) {
                if ((exact && previousExact) || (!exact && previousPrefix)) {
                    if (!duplicate) {
                        duplicate = DuplicateLocation{location->pattern, location->where};
                    }
                    continue;
                }
                previousExact = previousExact || exact;
                previousPrefix = previousPrefix || !exact;
            } else {
                previous = location;
                previousExact = exact;
                previousPrefix = !exact;
            }
            if (exact) {
                index->exact.push_back({location->pattern, location});
            } else {
                LocationIndex::Prefix prefix{location->pattern, location, -1};
                // Sorted order puts every prefix of a name before it: walk back along the
                // parent chain to the nearest one that is a prefix of this name.
                int candidate = static_cast<int>(index->prefixes.size()) - 1;
                while (candidate >= 0 &&
                       !prefix.name.starts_with(index->prefixes[candidate].name)) {
                    candidate = index->prefixes[candidate].parent;
                }
                prefix.parent = candidate;
                index->prefixes.push_back(std::move(prefix));
            }
        }
    }

    for (const auto& location : locations) {
        if (isRegex(*location)) {
            index->regexes.push_back(location.get());
        } else if (serverLevel && location->match == LocationMatch::Named) {
            index->named.push_back({location->pattern, location.get()});
        }
    }
    std::stable_sort(index->named.begin(), index->named.end(),
                     [](const auto& a, const auto& b) { return a.name < b.name; });
    return index;
}

const LocationConfig* findExact(const LocationIndex& index, std::string_view uri)
{
    const auto it = std::lower_bound(
        index.exact.begin(), index.exact.end(), uri,
        [](const auto& entry, std::string_view key) { return std::string_view(entry.name) < key; });
    return (it != index.exact.end() && it->name == uri) ? it->location : nullptr;
}

const LocationConfig* longestPrefix(const LocationIndex& index, std::string_view uri)
{
    // The last name <= uri; the longest prefix of uri is it or one of its parents.
    const auto it = std::upper_bound(
        index.prefixes.begin(), index.prefixes.end(), uri,
        [](std::string_view key, const auto& entry) { return key < std::string_view(entry.name); });
    int candidate = static_cast<int>(it - index.prefixes.begin()) - 1;
    while (candidate >= 0) {
        const LocationIndex::Prefix& prefix = index.prefixes[candidate];
        if (uri.starts_with(prefix.name)) {
            return prefix.location;
        }
        candidate = prefix.parent;
    }
    return nullptr;
}

bool matchRegex(const LocationConfig& location, std::string_view uri, LocationMatchResult& result)
{
    const Regex& regex = *location.regex;
    const std::size_t pairs = static_cast<std::size_t>(regex.captureCount()) + 1;
    std::array<std::size_t, 64> small;
    std::vector<std::size_t> large;
    std::span<std::size_t> ovector(small.data(), std::min(small.size(), pairs * 2));
    if (pairs * 2 > small.size()) {
        large.resize(pairs * 2);
        ovector = large;
    }
    const int rc = regex.match(uri, 0, ovector);
    if (rc <= 0) {
        return false;
    }
    auto group = [&](std::size_t n) {
        if (n >= static_cast<std::size_t>(rc) || ovector[2 * n] == Regex::npos) {
            return std::string();
        }
        return std::string(uri.substr(ovector[2 * n], ovector[2 * n + 1] - ovector[2 * n]));
    };
    result.captures.clear();
    for (std::size_t n = 0; n < static_cast<std::size_t>(rc); ++n) {
        result.captures.push_back(group(n));
    }
    for (const Regex::NamedGroup& named : regex.namedGroups()) {
        std::string value = group(static_cast<std::size_t>(named.number));
        const auto existing =
            std::find_if(result.named.begin(), result.named.end(),
                         [&](const auto& entry) { return entry.first == named.name; });
        if (existing != result.named.end()) {
            existing->second = std::move(value);
        } else {
            result.named.emplace_back(named.name, std::move(value));
        }
    }
    return true;
}

enum class Found { None, Prefix, Done };

Found find(const LocationIndex* index, std::string_view uri, LocationMatchResult& result)
{
    if (!index) {
        return Found::None;
    }
    if (const LocationConfig* exact = findExact(*index, uri)) {
        result.location = exact;
        return Found::Done;
    }
    Found found = Found::None;
    bool noRegex = false;
    if (const LocationConfig* prefix = longestPrefix(*index, uri)) {
        result.location = prefix;
        noRegex = prefix->match == LocationMatch::PrefixNoRegex;
        found = find(prefix->index.get(), uri, result);
        if (found == Found::Done) {
            return found;
        }
        found = Found::Prefix;
    }
    if (!noRegex) {
        for (const LocationConfig* location : index->regexes) {
            if (matchRegex(*location, uri, result)) {
                result.location = location;
                find(location->index.get(), uri, result);
                return Found::Done;
            }
        }
    }
    return found;
}

} // namespace

std::optional<DuplicateLocation> indexLocations(ServerConfig& server)
{
    std::optional<DuplicateLocation> duplicate;
    server.locationIndex = buildLevel(server.locations, true, true, duplicate);
    return duplicate;
}

void findLocation(const ServerConfig& server, std::string_view uri, LocationMatchResult& result)
{
    result.location = nullptr;
    result.captures.clear();
    result.named.clear();
    find(server.locationIndex.get(), uri, result);
}

LocationMatchResult findLocation(const ServerConfig& server, std::string_view uri)
{
    LocationMatchResult result;
    findLocation(server, uri, result);
    return result;
}

const LocationConfig* findNamedLocation(const ServerConfig& server, std::string_view name)
{
    if (!server.locationIndex) {
        return nullptr;
    }
    const auto& named = server.locationIndex->named;
    const auto it = std::lower_bound(
        named.begin(), named.end(), name,
        [](const auto& entry, std::string_view key) { return std::string_view(entry.name) < key; });
    return (it != named.end() && it->name == name) ? it->location : nullptr;
}

} // namespace restyscope::engine::conf
