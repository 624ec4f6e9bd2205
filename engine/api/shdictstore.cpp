#include "engine/api/shdictstore.h"

#include <algorithm>

namespace restyscope::engine::api {

namespace {

constexpr std::size_t kPageSize = 4096;
constexpr int kPageShift = 12;
// ngx_slab_pool_t with its slot and stats arrays, and one ngx_slab_page_t per page.
constexpr std::uint64_t kPoolHeader = 704;
constexpr std::uint64_t kPageDescriptor = 24;
// The shdict context (rbtree, sentinel, LRU queue: 80 bytes) takes a chunk at startup, and
// so does its log string " in lua_shared_dict zone \"NAME\"": small entries share their pages.
constexpr std::size_t kShdictContext = 80;
// An rbtree node up to its color field plus lua-nginx-module's shdict node header.
constexpr std::size_t kNodeHeader = 68;
// A list element's queue link, length and type.
constexpr std::size_t kListNodeHeader = 21;
// The list head a list entry keeps as its value.
constexpr std::size_t kListHead = 16;

// log2 of the chunk size nginx's slab uses for `bytes` (at most pageShift - 1).
int sizeClass(std::size_t bytes)
{
    int shift = 3;
    while ((std::size_t{1} << shift) < bytes) {
        ++shift;
    }
    return shift;
}

// Chunks of a class one page holds: small classes keep their bitmap in the page.
std::uint64_t chunksPerPage(int shift)
{
    const std::uint64_t n = kPageSize >> shift;
    if (shift >= 6) {
        return n;
    }
    const std::uint64_t bitmapChunks = ((n + 7) / 8 + (std::size_t{1} << shift) - 1) >> shift;
    return n - bitmapChunks;
}

std::size_t scalarLength(const ShdictValue& v)
{
    switch (v.type) {
    case ShdictValue::Type::String: return v.string.size();
    case ShdictValue::Type::Number: return sizeof(double);
    case ShdictValue::Type::Boolean: return 1;
    default: return 0;
    }
}

std::size_t listElementCost(const ShdictValue& v)
{
    return kListNodeHeader + scalarLength(v);
}

} // namespace

SharedDictStore::SharedDictStore(std::string name, std::uint64_t size)
    : m_name(std::move(name)), m_size(size)
{
    // nginx sizes the page array for every page that fits, then page-aligns the start.
    const std::uint64_t wanted =
        size > kPoolHeader ? (size - kPoolHeader) / (kPageSize + kPageDescriptor) : 0;
    const std::uint64_t start =
        (kPoolHeader + wanted * kPageDescriptor + kPageSize - 1) / kPageSize * kPageSize;
    const std::uint64_t fit = size > start ? (size - start) / kPageSize : 0;
    m_pages = std::min(wanted, fit);
    account(kShdictContext, true);
    account(sizeof(" in lua_shared_dict zone \"\"") - 1 + m_name.size(), true);
}

std::size_t SharedDictStore::entryCost(std::size_t keyLength, std::size_t valueLength)
{
    return kNodeHeader + keyLength + valueLength;
}

std::uint64_t SharedDictStore::usedPages() const
{
    std::uint64_t pages = m_largePages;
    for (int shift = 3; shift < kPageShift; ++shift) {
        const std::uint64_t per = chunksPerPage(shift);
        pages += (m_chunks[shift] + per - 1) / per;
    }
    return pages;
}

std::uint64_t SharedDictStore::freeSpace() const
{
    const std::uint64_t used = usedPages();
    return m_pages > used ? (m_pages - used) * kPageSize : 0;
}

bool SharedDictStore::fits(std::size_t bytes) const
{
    const std::uint64_t used = usedPages();
    const std::uint64_t free = m_pages > used ? m_pages - used : 0;
    if (bytes > kPageSize / 2) {
        return (bytes + kPageSize - 1) / kPageSize <= free;
    }
    const int shift = sizeClass(bytes);
    return m_chunks[shift] % chunksPerPage(shift) != 0 || free >= 1;
}

void SharedDictStore::account(std::size_t bytes, bool allocate)
{
    if (bytes > kPageSize / 2) {
        const std::uint64_t pages = (bytes + kPageSize - 1) / kPageSize;
        m_largePages = allocate ? m_largePages + pages : m_largePages - pages;
        return;
    }
    const int shift = sizeClass(bytes);
    m_chunks[shift] = allocate ? m_chunks[shift] + 1 : m_chunks[shift] - 1;
}

SharedDictStore::Lru::iterator SharedDictStore::find(const std::string& key)
{
    const auto it = m_index.find(key);
    return it == m_index.end() ? m_lru.end() : it->second;
}

void SharedDictStore::touch(Lru::iterator it)
{
    m_lru.splice(m_lru.begin(), m_lru, it);
}

void SharedDictStore::erase(Lru::iterator it)
{
    account(it->cost, false);
    for (const ShdictValue& v : it->list) {
        account(listElementCost(v), false);
    }
    m_index.erase(it->key);
    m_lru.erase(it);
}

int SharedDictStore::expireTail(bool force, double nowMs, const Entry* keep)
{
    int freed = 0;
    for (int step = force ? 0 : 1; step < 3 && !m_lru.empty(); ++step) {
        auto tail = std::prev(m_lru.end());
        if (&*tail == keep) {
            break;
        }
        if (step != 0 && !expired(*tail, nowMs)) {
            break;
        }
        erase(tail);
        ++freed;
    }
    return freed;
}

bool SharedDictStore::reserve(std::size_t bytes, bool safe, double nowMs, bool* forcible,
                              const Entry* keep)
{
    if (fits(bytes)) {
        return true;
    }
    if (safe) {
        return false;
    }
    for (int i = 0; i < 30; ++i) {
        if (expireTail(true, nowMs, keep) == 0) {
            return false;
        }
        *forcible = true;
        if (fits(bytes)) {
            return true;
        }
    }
    return false;
}

SharedDictStore::StoreResult SharedDictStore::store(Op op, bool safe, const std::string& key,
                                                    const ShdictValue& value,
                                                    std::uint64_t exptimeMs, std::uint32_t flags,
                                                    double nowMs)
{
    StoreResult result;
    expireTail(false, nowMs, nullptr);
    auto it = find(key);
    const bool valid = it != m_lru.end() && !expired(*it, nowMs);
    if (op == Op::Replace && !valid) {
        return {Status::Declined, "not found", false};
    }
    if (op == Op::Add && valid) {
        return {Status::Declined, "exists", false};
    }
    if (it != m_lru.end()) {
        erase(it);
    }
    if (value.type == ShdictValue::Type::Nil) {
        return result;
    }
    const std::size_t cost = entryCost(key.size(), scalarLength(value));
    if (!reserve(cost, safe, nowMs, &result.forcible, nullptr)) {
        return {Status::Error, "no memory", result.forcible};
    }
    Entry e;
    e.key = key;
    e.value = value;
    e.flags = flags;
    e.expiresMs = exptimeMs ? nowMs + static_cast<double>(exptimeMs) : 0;
    e.cost = cost;
    m_lru.push_front(std::move(e));
    m_index[key] = m_lru.begin();
    account(cost, true);
    return result;
}

SharedDictStore::GetResult SharedDictStore::get(const std::string& key, bool allowStale,
                                                double nowMs)
{
    GetResult result;
    const auto it = find(key);
    if (it == m_lru.end()) {
        return result;
    }
    const bool isExpired = expired(*it, nowMs);
    if (isExpired && !allowStale) {
        return result;
    }
    touch(it);
    result.found = true;
    result.stale = isExpired;
    result.value = it->value;
    result.flags = it->flags;
    return result;
}

SharedDictStore::StoreResult SharedDictStore::incr(const std::string& key, double delta,
                                                   std::optional<double> init,
                                                   std::uint64_t initTtlMs, double nowMs,
                                                   double* out)
{
    expireTail(false, nowMs, nullptr);
    const auto it = find(key);
    if (it == m_lru.end() || expired(*it, nowMs)) {
        if (!init) {
            return {Status::Declined, "not found", false};
        }
        ShdictValue v;
        v.type = ShdictValue::Type::Number;
        v.number = *init + delta;
        StoreResult r = store(Op::Set, false, key, v, initTtlMs, 0, nowMs);
        if (r.status == Status::Ok) {
            *out = v.number;
        }
        return r;
    }
    if (it->value.type != ShdictValue::Type::Number) {
        return {Status::Declined, "not a number", false};
    }
    it->value.number += delta;
    touch(it);
    *out = it->value.number;
    return {};
}

SharedDictStore::StoreResult SharedDictStore::push(const std::string& key, bool left,
                                                   const ShdictValue& value, double nowMs,
                                                   std::size_t* length)
{
    StoreResult result;
    expireTail(false, nowMs, nullptr);
    auto it = find(key);
    if (it != m_lru.end() && expired(*it, nowMs)) {
        erase(it);
        it = m_lru.end();
    }
    if (it != m_lru.end() && it->value.type != ShdictValue::Type::List) {
        return {Status::Declined, "value not a list", false};
    }
    const std::size_t elementCost = listElementCost(value);
    if (it == m_lru.end()) {
        const std::size_t cost = entryCost(key.size(), kListHead);
        if (!reserve(cost, false, nowMs, &result.forcible, nullptr)) {
            return {Status::Error, "no memory", result.forcible};
        }
        Entry e;
        e.key = key;
        e.value.type = ShdictValue::Type::List;
        e.cost = cost;
        m_lru.push_front(std::move(e));
        m_index[key] = m_lru.begin();
        account(cost, true);
        it = m_lru.begin();
    } else {
        touch(it);
    }
    // nginx evicts for the list's node only; an element that does not fit fails at once.
    if (!reserve(elementCost, true, nowMs, &result.forcible, &*it)) {
        if (it->list.empty()) {
            erase(it);
        }
        return {Status::Error, "no memory", result.forcible};
    }
    if (left) {
        it->list.push_front(value);
    } else {
        it->list.push_back(value);
    }
    account(elementCost, true);
    *length = it->list.size();
    return result;
}

SharedDictStore::StoreResult SharedDictStore::pop(const std::string& key, bool left, double nowMs,
                                                  ShdictValue* value, bool* found)
{
    *found = false;
    const auto it = find(key);
    if (it == m_lru.end() || expired(*it, nowMs)) {
        return {};
    }
    if (it->value.type != ShdictValue::Type::List) {
        return {Status::Declined, "value not a list", false};
    }
    if (it->list.empty()) {
        return {};
    }
    *value = left ? it->list.front() : it->list.back();
    if (left) {
        it->list.pop_front();
    } else {
        it->list.pop_back();
    }
    *found = true;
    account(listElementCost(*value), false);
    if (it->list.empty()) {
        erase(it);
    } else {
        touch(it);
    }
    return {};
}

SharedDictStore::StoreResult SharedDictStore::llen(const std::string& key, double nowMs,
                                                   std::size_t* length)
{
    *length = 0;
    const auto it = find(key);
    if (it == m_lru.end() || expired(*it, nowMs)) {
        return {};
    }
    if (it->value.type != ShdictValue::Type::List) {
        return {Status::Declined, "value not a list", false};
    }
    touch(it);
    *length = it->list.size();
    return {};
}

std::optional<double> SharedDictStore::ttl(const std::string& key, double nowMs)
{
    const auto it = find(key);
    if (it == m_lru.end()) {
        return std::nullopt;
    }
    return it->expiresMs == 0 ? 0.0 : it->expiresMs - nowMs;
}

bool SharedDictStore::expire(const std::string& key, std::uint64_t exptimeMs, double nowMs)
{
    const auto it = find(key);
    if (it == m_lru.end()) {
        return false;
    }
    it->expiresMs = exptimeMs ? nowMs + static_cast<double>(exptimeMs) : 0;
    return true;
}

void SharedDictStore::flushAll()
{
    // nginx only marks every entry expired: get_stale still sees them until reused.
    for (Entry& e : m_lru) {
        e.expiresMs = 1;
    }
}

int SharedDictStore::flushExpired(int maxCount, double nowMs)
{
    int count = 0;
    for (auto it = m_lru.end(); it != m_lru.begin();) {
        --it;
        if (expired(*it, nowMs)) {
            auto victim = it++;
            erase(victim);
            if (++count == maxCount) {
                break;
            }
        }
    }
    return count;
}

std::vector<std::string> SharedDictStore::keys(int maxCount, double nowMs) const
{
    std::vector<std::string> out;
    for (auto it = m_lru.rbegin(); it != m_lru.rend(); ++it) {
        const Entry& e = *it;
        if (expired(e, nowMs)) {
            continue;
        }
        out.push_back(e.key);
        if (maxCount > 0 && static_cast<int>(out.size()) == maxCount) {
            break;
        }
    }
    return out;
}

} // namespace restyscope::engine::api
