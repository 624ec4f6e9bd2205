#include "engine/http/request.h"

namespace restyscope::engine::http {

std::uint64_t allocateRequestId()
{
    static std::uint64_t counter = 0; // engine thread only
    return ++counter;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z') {
            x = static_cast<char>(x - 'A' + 'a');
        }
        if (y >= 'A' && y <= 'Z') {
            y = static_cast<char>(y - 'A' + 'a');
        }
        if (x != y) {
            return false;
        }
    }
    return true;
}

const std::string* Request::header(std::string_view name) const
{
    for (const auto& field : headers) {
        if (equalsIgnoreCase(field.name, name)) {
            return &field.value;
        }
    }
    return nullptr;
}

std::string Request::httpVersionText() const
{
    if (!protocol.empty()) {
        return protocol;
    }
    return "HTTP/" + std::to_string(httpMajor) + "." + std::to_string(httpMinor);
}

} // namespace restyscope::engine::http
