#pragma once
// Design: what a module adds to the configuration, as nginx's ngx_command_t table and
// ngx_http_module_t's create/merge conf hooks. The builder looks a directive up in the
// core table, then in each module's table in module-list order; a module's handler finds
// its own conf of the block being read with moduleConf<T>(state, scope). After http{} is
// read, each module's merge gives every server and location the values it inherits.

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace restyscope::engine::conf {

namespace detail {
struct DirectiveSpec;
}

// The block a module conf belongs to (nginx's main, srv and loc confs; `if` inside a
// location gets a location-level conf of its own).
enum class ConfLevel { Http, Server, Location };

struct ModuleConfHooks
{
    std::string_view module;                           // the module's name, for messages
    std::span<const detail::DirectiveSpec> directives; // what it adds to the table
    // A new, unset conf for a block of that level; null when the module keeps none there.
    std::function<std::shared_ptr<void>(ConfLevel)> create;
    // child takes what it left unset from parent (same level type as create made).
    std::function<void(const void* parent, void* child, ConfLevel childLevel)> merge;
};

// One conf per module (by its index in the module list; null where it keeps none).
using ModuleConfs = std::vector<std::shared_ptr<void>>;

// A module's conf in confs, or nullptr.
template <typename T> const T* moduleConfOf(const ModuleConfs& confs, std::size_t module)
{
    return module < confs.size() ? static_cast<const T*>(confs[module].get()) : nullptr;
}

} // namespace restyscope::engine::conf
