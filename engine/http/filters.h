#pragma once
// Design: nginx's output filter chains. A response header goes down the header filters and
// every body buffer down the body filters; each filter does its part and passes on to the
// next one (or holds the buffer back, or answers instead). The last filter of each chain is
// the request's own writer: the response writer on a connection, the capture buffer of a
// subrequest. Filters are registered by modules after the configuration is loaded; as in
// nginx, a filter added later sits on top and runs first, so the module list decides the
// order.

#include <cstddef>
#include <functional>
#include <string_view>
#include <vector>

namespace restyscope::engine::http {

class HttpRequest;

// One body buffer on its way down (ngx_buf_t's data with its flush and last_buf flags).
struct BodyBuffer
{
    std::string_view data;
    bool flush = false;
    bool last = false;
};

class FilterChains
{
public:
    // A header filter sees and may change the request's headersOut; it passes on with
    // `return chains.header(request, next);`. Returns an nginx rc (kNgxOk, kNgxError).
    using HeaderFilter =
        std::function<int(HttpRequest& request, const FilterChains& chains, std::size_t next)>;
    // A body filter passes (possibly other) buffers on with `chains.body(request, b, next)`.
    using BodyFilter = std::function<int(HttpRequest& request, BodyBuffer buffer,
                                         const FilterChains& chains, std::size_t next)>;

    // Registration (post-configuration): the new filter becomes the top of its chain.
    void addHeaderFilter(HeaderFilter filter);
    void addBodyFilter(BodyFilter filter);

    // Runs the header chain from position `from` (0: the top); the request's writer ends it.
    int header(HttpRequest& request, std::size_t from = 0) const;
    // Runs the body chain from position `from` with one buffer.
    int body(HttpRequest& request, BodyBuffer buffer, std::size_t from = 0) const;

    std::size_t headerFilterCount() const { return m_header.size(); }
    std::size_t bodyFilterCount() const { return m_body.size(); }

private:
    std::vector<HeaderFilter> m_header; // top first
    std::vector<BodyFilter> m_body;     // top first
};

} // namespace restyscope::engine::http
