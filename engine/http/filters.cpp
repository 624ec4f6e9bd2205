#include "engine/http/filters.h"

#include "engine/http/connection.h"

namespace restyscope::engine::http {

void FilterChains::addHeaderFilter(HeaderFilter filter)
{
    m_header.insert(m_header.begin(), std::move(filter));
}

void FilterChains::addBodyFilter(BodyFilter filter)
{
    m_body.insert(m_body.begin(), std::move(filter));
}

int FilterChains::header(HttpRequest& request, std::size_t from) const
{
    if (from < m_header.size()) {
        return m_header[from](request, *this, from + 1);
    }
    return request.headerWriteFilter();
}

int FilterChains::body(HttpRequest& request, BodyBuffer buffer, std::size_t from) const
{
    if (from < m_body.size()) {
        return m_body[from](request, buffer, *this, from + 1);
    }
    return request.bodyWriteFilter(buffer);
}

} // namespace restyscope::engine::http
