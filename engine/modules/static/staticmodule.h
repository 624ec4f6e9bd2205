#pragma once
// Design: nginx's static and index modules as restyscope has them so far: a content-phase
// handler for locations with no content handler. restyscope serves no files yet; it
// answers as nginx does when the file is not under <prefix>/html (404, or 403 for a
// directory without an index).

#include "engine/http/module.h"

namespace restyscope::engine::modules {

class StaticModule final : public http::HttpModule
{
public:
    std::string_view name() const override { return "static"; }
    bool postConfiguration(http::PhaseEngine& core, std::string& error) override;
};

} // namespace restyscope::engine::modules
