#pragma once
// Design: nginx's variables (ngx_http_variables.c) as one registry: each variable has a
// name (or a prefix such as "arg_", "http_", "cookie_"), flags, a get handler and, when it
// is changeable, a set handler. The core registers its own variables; modules add theirs
// after the configuration is loaded (http/phases.h). Scripts (`return` text, file paths),
// ngx.var and the subrequest `vars` option all read and write through it, so what exists
// and what may be set is said once. Engine thread only.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace restyscope::engine::http {

class HttpRequest;

enum VariableFlag : unsigned {
    kVariableChangeable = 1u << 0, // nginx's NGX_HTTP_VAR_CHANGEABLE
    kVariableNoCacheable = 1u << 1,
    kVariablePrefix = 1u << 2, // the name is a prefix: "arg_" matches "arg_x"
};

struct Variable
{
    std::string name; // lower case; for a prefix variable the prefix
    unsigned flags = 0;
    // The value of `name` (the whole name, "arg_x" for a prefix); nullopt is nginx's
    // "not found" (ngx.var gives nil). A variable nginx has but restyscope does not
    // compute yet has no get handler and is never found.
    std::function<std::optional<std::string>(const HttpRequest& request, std::string_view name)>
        get;
    // The set handler of a changeable variable; nullopt assigns nil.
    std::function<void(HttpRequest& request, std::optional<std::string_view> value)> set;
};

// What an assignment to a variable does (nginx's messages differ for each).
enum class VariableWrite {
    Set,           // it has a set handler and took the value
    NotChangeable, // a built-in that cannot change: "variable \"x\" not changeable"
    NotAssignable, // changeable but with nothing to hold the value: "cannot be assigned"
    Undefined,     // no such variable
};

class VariableRegistry
{
public:
    // Starts with the core's variables (ngx_http_core_variables and those of the modules
    // Debian's nginx-light builds in).
    VariableRegistry();

    // Registration (post-configuration); a later add of the same name replaces it.
    void add(Variable variable);
    // The exact name, else the longest prefix variable it starts with; nullptr if unknown.
    const Variable* find(std::string_view name) const;
    bool exists(std::string_view name) const { return find(name) != nullptr; }

    // $name of request ("1".."9": the location's regex captures; a regex's named captures).
    std::optional<std::string> value(const HttpRequest& request, std::string_view name) const;
    VariableWrite writable(std::string_view name) const;
    VariableWrite set(HttpRequest& request, std::string_view name,
                      std::optional<std::string_view> value) const;

    // The registry a request uses when its phase engine gave it none (tests, tools).
    static const VariableRegistry& core();

private:
    std::map<std::string, Variable, std::less<>> m_exact;
    std::vector<Variable> m_prefixes;
};

// The registry of the request's phase engine (the core one when it has none).
const VariableRegistry& variablesOf(const HttpRequest& request);
// $name as the request's registry has it (VariableRegistry::value()).
std::optional<std::string> variableValue(const HttpRequest& request, std::string_view name);

} // namespace restyscope::engine::http
