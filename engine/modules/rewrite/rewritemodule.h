#pragma once
// Design: nginx's rewrite module (ngx_http_rewrite_module.c), so far its `return`: a
// handler in the server-rewrite phase runs the server block's `return`, one in the rewrite
// phase the location's. The directive itself is read by engine/conf (ReturnAction).

#include "engine/http/module.h"

namespace restyscope::engine::modules {

class RewriteModule final : public http::HttpModule
{
public:
    std::string_view name() const override { return "rewrite"; }
    bool postConfiguration(http::PhaseEngine& core, std::string& error) override;
};

} // namespace restyscope::engine::modules
