#include "engine/api/reqstate.h"

#include "engine/http/connection.h"

#include <algorithm>
#include <memory>
#include <unordered_map>

namespace restyscope::engine::api {

namespace {

struct Entry
{
    std::weak_ptr<const http::HttpRequest> owner;
    RequestApiState state;
};

using Table = std::unordered_map<const http::HttpRequest*, Entry>;

Table& table()
{
    static Table entries;
    return entries;
}

// An entry whose request died may sit under a reused address: it is not that request's.
bool current(const Entry& entry)
{
    return !entry.owner.expired();
}

void dropExpired(Table& entries)
{
    for (auto it = entries.begin(); it != entries.end();) {
        it = current(it->second) ? std::next(it) : entries.erase(it);
    }
}

} // namespace

RequestApiState& apiState(const http::HttpRequest& request)
{
    Table& entries = table();
    auto it = entries.find(&request);
    if (it != entries.end() && current(it->second)) {
        return it->second.state;
    }
    // Amortized cleanup: sweep when the table doubled since the last sweep.
    static std::size_t sweepAt = 64;
    if (entries.size() >= sweepAt) {
        dropExpired(entries);
        sweepAt = std::max<std::size_t>(64, entries.size() * 2);
    }
    Entry& entry = entries[&request];
    entry.owner = request.weak_from_this();
    entry.state = RequestApiState{};
    return entry.state;
}

const RequestApiState* findApiState(const http::HttpRequest& request)
{
    Table& entries = table();
    const auto it = entries.find(&request);
    if (it == entries.end() || !current(it->second)) {
        return nullptr;
    }
    return &it->second.state;
}

} // namespace restyscope::engine::api
