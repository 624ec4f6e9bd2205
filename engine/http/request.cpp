#include "engine/http/request.h"

namespace restyscope::engine::http {

std::uint64_t allocateRequestId()
{
    static std::uint64_t counter = 0; // engine thread only
    return ++counter;
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
