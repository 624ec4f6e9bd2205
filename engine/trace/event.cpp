#include "engine/trace/event.h"

#include <algorithm>
#include <cstring>

namespace restyscope::engine::trace {

namespace {

constexpr std::size_t kMaxText = Event::kTextCapacity - 1;
constexpr std::string_view kEllipsis = "...";

} // namespace

void Event::setText(std::string_view s)
{
    const std::size_t n = std::min(s.size(), kMaxText);
    if (n != 0) { // an empty view may carry a null pointer, which memcpy must not see
        std::memcpy(text, s.data(), n);
    }
    text[n] = '\0';
    textLength = static_cast<std::uint8_t>(n);
    textTruncated = n < s.size();
}

void Event::setTextTail(std::string_view s)
{
    if (s.size() <= kMaxText) {
        setText(s);
        return;
    }
    const std::size_t keep = kMaxText - kEllipsis.size();
    std::memcpy(text, kEllipsis.data(), kEllipsis.size());
    std::memcpy(text + kEllipsis.size(), s.data() + s.size() - keep, keep);
    text[kMaxText] = '\0';
    textLength = static_cast<std::uint8_t>(kMaxText);
    textTruncated = true;
}

} // namespace restyscope::engine::trace
