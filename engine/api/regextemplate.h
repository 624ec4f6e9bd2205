#pragma once
// Design: the replacement template of ngx.re.sub/gsub (lua-nginx-module's "complex value"
// scripts): literal text, `$N` / `${N}` for capture N (an unset or missing capture expands
// to nothing) and `$$` for a dollar. Any other `$` makes the template invalid. Pure.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace restyscope::engine::api {

struct ReplaceTemplate
{
    struct Piece
    {
        std::string literal; // used when capture < 0
        int capture = -1;
    };
    std::vector<Piece> pieces;
};

// nullopt when the template is invalid; error then holds what nginx logs about it.
std::optional<ReplaceTemplate> compileReplaceTemplate(std::string_view text,
                                                      std::string* error = nullptr);

// Appends the expansion to out. ovector holds start/end pairs (npos: unset); pairs is how
// many of them are valid.
void expandReplaceTemplate(const ReplaceTemplate& tpl, std::string_view subject,
                           std::span<const std::size_t> ovector, int pairs, std::string& out);

} // namespace restyscope::engine::api
