#pragma once
// Design: nginx's "complex value" (ngx_http_compile_complex_value): a conf string with
// $name, ${name} and $1..$9 compiled once into literal and variable segments, evaluated per
// request through a lookup the caller supplies (http/variables), so conf/ needs no request.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace restyscope::engine::conf {

class ComplexValue
{
public:
    struct Segment
    {
        bool variable = false; // false: `text` is literal; true: `text` is a variable name
        std::string text;      // lowercase name ("uri", "arg_a"), captures as "1".."9"
    };

    // Looks a variable up by name; nullopt (unknown or not found) evaluates to "".
    using Lookup = std::function<std::optional<std::string>(std::string_view name)>;

    ComplexValue() = default;

    // Compiles `raw` with nginx's rules. On a syntax error returns nullopt and sets `error`
    // to nginx's message ("invalid variable name", "the closing bracket in ... is missing").
    static std::optional<ComplexValue> compile(std::string_view raw, std::string* error = nullptr);
    // A value taken literally, '$' included (what nginx does for e.g. init_by_lua_file).
    static ComplexValue literal(std::string_view raw);

    bool isConstant() const { return m_constant; }
    const std::string& raw() const { return m_raw; }
    const std::vector<Segment>& segments() const { return m_segments; }

    std::string evaluate(const Lookup& lookup) const;

private:
    std::string m_raw;
    std::vector<Segment> m_segments;
    bool m_constant = true;
};

} // namespace restyscope::engine::conf
