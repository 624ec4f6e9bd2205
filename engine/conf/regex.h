#pragma once
// Design: one compiled PCRE2 (8-bit) pattern, JIT-compiled when the library can. Used by
// `location ~`, `server_name ~` and later ngx.re, so matching takes a start offset and
// hands back the raw offset vector. Matching allocates nothing: the match data is a
// per-thread buffer that only grows.

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace restyscope::engine::conf {

class Regex
{
public:
    enum Option : unsigned {
        NoOptions = 0,
        Caseless = 1u << 0,  // ~*, ngx.re "i"
        Multiline = 1u << 1, // "m"
        DotAll = 1u << 2,    // "s"
        Extended = 1u << 3,  // "x"
        Anchored = 1u << 4,  // "a"
        Utf = 1u << 5,       // "u"
        DupNames = 1u << 6,  // "D"
        NoJit = 1u << 7,     // interpret only
    };

    struct NamedGroup
    {
        std::string name;
        int number = 0;
    };

    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    // Returns null and sets `error` to nginx's wording on failure, e.g.
    // `pcre2_compile() failed: missing closing parenthesis in "("`.
    static std::shared_ptr<const Regex>
    compile(std::string_view pattern, unsigned options = NoOptions, std::string* error = nullptr);

    ~Regex();
    Regex(const Regex&) = delete;
    Regex& operator=(const Regex&) = delete;

    const std::string& pattern() const { return m_pattern; }
    unsigned options() const { return m_options; }
    bool jitted() const { return m_jitted; }
    int captureCount() const { return m_captureCount; }
    const std::vector<NamedGroup>& namedGroups() const { return m_namedGroups; }

    // Matches `subject` starting at byte `start`. Fills `ovector` with start/end offset pairs
    // (group 0 first, npos for groups that did not take part; pairs that do not fit are
    // dropped). Returns the number of pairs PCRE2 set (highest matched group + 1), 0 when
    // there is no match, or a negative PCRE2 error code.
    int match(std::string_view subject, std::size_t start, std::span<std::size_t> ovector) const;
    bool matches(std::string_view subject) const { return match(subject, 0, {}) > 0; }

private:
    Regex() = default;

    std::string m_pattern;
    unsigned m_options = 0;
    void* m_code = nullptr; // pcre2_code_8*
    bool m_jitted = false;
    int m_captureCount = 0;
    std::vector<NamedGroup> m_namedGroups;
};

} // namespace restyscope::engine::conf
