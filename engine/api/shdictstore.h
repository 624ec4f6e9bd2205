#pragma once
// Design: one lua_shared_dict zone as lua-nginx-module keeps it: a key -> value map plus
// an LRU queue (most recently used first). Values keep their Lua type (nil, boolean,
// number, string) or are lists, with user flags and an absolute expiry in milliseconds.
// Memory is a model of nginx's slab allocator, not allocated from one: the zone's pages
// are what nginx leaves after its pool header and page array (minus the two pages the
// shdict context and its log string take); a node (68 bytes + key + value) takes a chunk
// of its power-of-two size class (8..2048 bytes, chunks of a class share pages) or whole
// pages above 2048. free_space() counts whole free pages as nginx does. A store that does
// not fit evicts from the LRU tail as nginx's expire step does (set/add/replace/incr/push,
// forcible) or answers "no memory" (safe_set/safe_add). Pure: the caller passes the time,
// so a paused debugger clock does not expire keys. Engine thread only.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace restyscope::engine::api {

struct ShdictValue
{
    enum class Type { Nil, Boolean, Number, String, List };
    Type type = Type::Nil;
    double number = 0; // Boolean: 0/1
    std::string string;
};

class SharedDictStore
{
public:
    enum class Op { Set, Add, Replace };
    enum class Status { Ok, Declined, Error };

    struct StoreResult
    {
        Status status = Status::Ok;
        const char* error = nullptr; // "exists", "not found", "no memory", ...
        bool forcible = false;       // valid entries were evicted to make room
    };

    struct GetResult
    {
        bool found = false;
        bool stale = false;
        ShdictValue value;
        std::uint32_t flags = 0;
    };

    SharedDictStore(std::string name, std::uint64_t size);

    const std::string& name() const { return m_name; }
    std::uint64_t capacity() const { return m_size; }
    // Bytes not taken by entries, in whole 4096-byte pages as nginx's slab reports them.
    std::uint64_t freeSpace() const;

    // set/add/replace (safe: never evict). exptimeMs 0: never expires. A nil value deletes.
    StoreResult store(Op op, bool safe, const std::string& key, const ShdictValue& value,
                      std::uint64_t exptimeMs, std::uint32_t flags, double nowMs);
    // get (stale=false: expired entries are not found) / get_stale.
    GetResult get(const std::string& key, bool allowStale, double nowMs);
    // incr; error strings as nginx's ("not found", "not a number", "no memory").
    StoreResult incr(const std::string& key, double delta, std::optional<double> init,
                     std::uint64_t initTtlMs, double nowMs, double* result);
    // lpush/rpush: returns the new length in *length.
    StoreResult push(const std::string& key, bool left, const ShdictValue& value, double nowMs,
                     std::size_t* length);
    // lpop/rpop: found=false when missing or empty.
    StoreResult pop(const std::string& key, bool left, double nowMs, ShdictValue* value,
                    bool* found);
    StoreResult llen(const std::string& key, double nowMs, std::size_t* length);
    // ttl: remaining ms (0: no expiry; negative once expired but not yet removed, as
    // nginx); nullopt when not found.
    std::optional<double> ttl(const std::string& key, double nowMs);
    // expire: false when not found (an expired entry still present is found, as in nginx).
    // exptimeMs 0 removes the expiry.
    bool expire(const std::string& key, std::uint64_t exptimeMs, double nowMs);
    void flushAll();
    // Removes expired entries (at most maxCount when > 0); returns how many.
    int flushExpired(int maxCount, double nowMs);
    // Valid keys, least recently used first (nginx walks its LRU queue from the tail); at
    // most maxCount when > 0.
    std::vector<std::string> keys(int maxCount, double nowMs) const;

    // The bytes nginx asks its slab for to hold one entry (exposed for tests).
    static std::size_t entryCost(std::size_t keyLength, std::size_t valueLength);

private:
    struct Entry
    {
        std::string key;
        ShdictValue value;
        std::deque<ShdictValue> list;
        std::uint32_t flags = 0;
        double expiresMs = 0; // 0: never
        std::size_t cost = 0; // the node's allocation (list elements are their own)
    };
    using Lru = std::list<Entry>;

    bool expired(const Entry& e, double nowMs) const
    {
        return e.expiresMs != 0 && e.expiresMs <= nowMs;
    }
    Lru::iterator find(const std::string& key);
    void touch(Lru::iterator it);
    void erase(Lru::iterator it);
    // nginx's ngx_http_lua_shdict_expire: force=false frees up to two expired entries at
    // the LRU tail; force=true frees the tail whatever it is, then up to two expired ones.
    // Returns how many were freed. Never frees `keep`.
    int expireTail(bool force, double nowMs, const Entry* keep);
    // Finds room for an allocation of `bytes`: unless safe, up to 30 forced expire steps.
    bool reserve(std::size_t bytes, bool safe, double nowMs, bool* forcible, const Entry* keep);
    // The slab model.
    bool fits(std::size_t bytes) const;
    void account(std::size_t bytes, bool allocate);
    std::uint64_t usedPages() const;

    std::string m_name;
    std::uint64_t m_size = 0;
    std::uint64_t m_pages = 0;       // pages the slab can hand out
    std::uint64_t m_largePages = 0;  // pages taken by allocations above 2048 bytes
    std::uint64_t m_chunks[12] = {}; // chunks in use per size class (index: log2 size)
    Lru m_lru;                       // front: most recently used
    std::unordered_map<std::string, Lru::iterator> m_index;
};

} // namespace restyscope::engine::api
