#include "engine/api/reqstate.h"

#include "engine/http/connection.h"

#include <memory>

namespace restyscope::engine::api {

namespace {

// The key of the ngx API's request ctx slot (api/ is not an http module: it keys its
// slot by this object, as a module keys its own by itself).
const char kApiStateKey = 0;

} // namespace

RequestApiState& apiState(const http::HttpRequest& request)
{
    if (auto* state = request.ctx<RequestApiState>(&kApiStateKey)) {
        return *state;
    }
    auto state = std::make_shared<RequestApiState>();
    RequestApiState& created = *state;
    // The state belongs to the request as nginx's r->ctx does, whoever holds it const.
    const_cast<http::HttpRequest&>(request).setCtx(&kApiStateKey, std::move(state));
    return created;
}

const RequestApiState* findApiState(const http::HttpRequest& request)
{
    return request.ctx<RequestApiState>(&kApiStateKey);
}

} // namespace restyscope::engine::api
