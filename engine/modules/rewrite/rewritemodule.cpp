#include "engine/modules/rewrite/rewritemodule.h"

#include "engine/conf/config.h"
#include "engine/http/phases.h"
#include "engine/http/status.h"
#include "engine/http/variables.h"

namespace restyscope::engine::modules {

namespace {

// `return`: what ngx_http_rewrite_return_code and ngx_http_send_response do. Returns the
// rc the rewrite phase finalizes the request with.
int runReturn(const std::shared_ptr<http::HttpRequest>& request, const conf::ReturnAction& action)
{
    const int status = action.status;
    // ngx_http_send_response discards the body first: a broken one answers instead.
    if (const int bodyStatus = request->discardBody(); bodyStatus != 0) {
        return bodyStatus;
    }
    if ((status >= 400 && !action.text) || status == http::kStatusClose) {
        return status;
    }
    const std::string text = action.text ? action.text->evaluate([&request](std::string_view name) {
        return http::variableValue(*request, name);
    })
                                         : std::string();
    if (http::isRedirectStatus(status)) {
        request->headersOut.location = text;
        return status;
    }
    // ngx_http_send_response: the text is the body, in the location's default type.
    request->headersOut.status = status;
    request->headersOut.contentLength = static_cast<std::int64_t>(text.size());
    request->sendHeader();
    request->output(text, true, true);
    return http::kNgxOk;
}

} // namespace

bool RewriteModule::postConfiguration(http::PhaseEngine& core, std::string&)
{
    core.addHandler(
        http::Phase::ServerRewrite, *this, [](const std::shared_ptr<http::HttpRequest>& request) {
            const conf::ServerConfig* server = request->request.server;
            return server && server->returnAction ? runReturn(request, *server->returnAction)
                                                  : http::kNgxDeclined;
        });
    core.addHandler(
        http::Phase::Rewrite, *this, [](const std::shared_ptr<http::HttpRequest>& request) {
            const conf::LocationConfig* location = request->request.location;
            return location && location->returnAction ? runReturn(request, *location->returnAction)
                                                      : http::kNgxDeclined;
        });
    return true;
}

} // namespace restyscope::engine::modules
