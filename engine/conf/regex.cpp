#include "engine/conf/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>

namespace restyscope::engine::conf {

namespace {

// Grows once to the largest group count seen and is reused by every match on this thread.
class MatchData
{
public:
    ~MatchData()
    {
        if (m_data) {
            pcre2_match_data_free(m_data);
        }
    }

    pcre2_match_data* get(std::uint32_t pairs)
    {
        if (!m_data || pairs > m_pairs) {
            if (m_data) {
                pcre2_match_data_free(m_data);
            }
            m_pairs = std::max<std::uint32_t>(pairs, 16);
            m_data = pcre2_match_data_create(m_pairs, nullptr);
        }
        return m_data;
    }

private:
    pcre2_match_data* m_data = nullptr;
    std::uint32_t m_pairs = 0;
};

thread_local MatchData t_matchData;

std::uint32_t pcreOptions(unsigned options)
{
    std::uint32_t out = 0;
    if (options & Regex::Caseless) {
        out |= PCRE2_CASELESS;
    }
    if (options & Regex::Multiline) {
        out |= PCRE2_MULTILINE;
    }
    if (options & Regex::DotAll) {
        out |= PCRE2_DOTALL;
    }
    if (options & Regex::Extended) {
        out |= PCRE2_EXTENDED;
    }
    if (options & Regex::Anchored) {
        out |= PCRE2_ANCHORED;
    }
    if (options & Regex::Utf) {
        out |= PCRE2_UTF;
    }
    if (options & Regex::DupNames) {
        out |= PCRE2_DUPNAMES;
    }
    return out;
}

} // namespace

std::shared_ptr<const Regex> Regex::compile(std::string_view pattern, unsigned options,
                                            std::string* error)
{
    int errorCode = 0;
    PCRE2_SIZE errorOffset = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                     pcreOptions(options), &errorCode, &errorOffset, nullptr);
    if (!code) {
        if (error) {
            // nginx reads the message into a 128-byte buffer and quotes the rest of the
            // pattern from the error offset unless the offset is the end.
            PCRE2_UCHAR message[128];
            pcre2_get_error_message(errorCode, message, sizeof message);
            *error = "pcre2_compile() failed: ";
            *error += reinterpret_cast<const char*>(message);
            *error += " in \"";
            *error += pattern;
            *error += '"';
            if (errorOffset != pattern.size()) {
                *error += " at \"";
                *error += pattern.substr(std::min<std::size_t>(errorOffset, pattern.size()));
                *error += '"';
            }
        }
        return nullptr;
    }

    std::shared_ptr<Regex> regex(new Regex);
    regex->m_pattern = std::string(pattern);
    regex->m_options = options;
    regex->m_code = code;
    if (!(options & NoJit)) {
        regex->m_jitted = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
    }

    std::uint32_t captures = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &captures);
    regex->m_captureCount = static_cast<int>(captures);

    std::uint32_t nameCount = 0;
    pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &nameCount);
    if (nameCount > 0) {
        std::uint32_t entrySize = 0;
        PCRE2_SPTR table = nullptr;
        pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &entrySize);
        pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &table);
        // Each entry: the group number in two bytes, then the zero-terminated name.
        for (std::uint32_t i = 0; i < nameCount; ++i) {
            PCRE2_SPTR entry = table + static_cast<std::size_t>(i) * entrySize;
            const int number = (entry[0] << 8) | entry[1];
            regex->m_namedGroups.push_back({reinterpret_cast<const char*>(entry + 2), number});
        }
    }
    return regex;
}

Regex::~Regex()
{
    pcre2_code_free(static_cast<pcre2_code*>(m_code));
}

int Regex::match(std::string_view subject, std::size_t start, std::span<std::size_t> ovector) const
{
    static const char empty[] = "";
    const char* data = subject.data() ? subject.data() : empty;
    pcre2_match_data* matchData = t_matchData.get(static_cast<std::uint32_t>(m_captureCount) + 1);
    const int rc =
        pcre2_match(static_cast<const pcre2_code*>(m_code), reinterpret_cast<PCRE2_SPTR>(data),
                    subject.size(), start, 0, matchData, nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) {
        return 0;
    }
    if (rc < 0) {
        return rc;
    }
    const PCRE2_SIZE* offsets = pcre2_get_ovector_pointer(matchData);
    const std::size_t pairs =
        std::min<std::size_t>(ovector.size() / 2, static_cast<std::size_t>(m_captureCount) + 1);
    for (std::size_t i = 0; i < pairs; ++i) {
        // Groups past rc did not take part; their slots may hold stale data.
        const bool set = i < static_cast<std::size_t>(rc) && offsets[2 * i] != PCRE2_UNSET;
        ovector[2 * i] = set ? offsets[2 * i] : npos;
        ovector[2 * i + 1] = set ? offsets[2 * i + 1] : npos;
    }
    return rc;
}

} // namespace restyscope::engine::conf
