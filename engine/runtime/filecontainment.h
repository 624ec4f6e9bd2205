#pragma once
// Design: restyscope's prefix containment for *_by_lua_file (nginx has none: it loads
// whatever path the variables produce). A file is loaded only when its real path (".."
// and symlinks resolved) lies inside the prefix or inside a directory the configuration
// names explicitly: the directory the directive spells before its first variable
// ("/srv/lua/$1.lua" names /srv/lua, "../shared/x.lua" names <prefix>/../shared), or a
// directory of a lua_package_path entry ("/opt/lib/?.lua" names /opt/lib).

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace restyscope::engine::runtime {

class FileContainment
{
public:
    // prefix: absolute, ending in '/'; packagePath: lua_package_path as written (may be empty).
    FileContainment(std::string_view prefix, std::string_view packagePath);

    // path: the absolute file path a directive produced; directivePath: the directive's path
    // as written (variables unexpanded). True when the file may be loaded. remember: keep
    // the answer for this path (the code cache is on, so the file is read once anyway).
    bool allows(const std::string& path, std::string_view directivePath, bool remember);

    // The directory a *_by_lua_file path names before its first variable, absolute.
    std::string namedDirectory(std::string_view directivePath) const;

private:
    bool inside(const std::string& real, const std::string& root) const;

    std::string m_prefix;             // as given
    std::string m_realPrefix;         // symlinks resolved
    std::vector<std::string> m_roots; // lua_package_path directories, symlinks resolved
    std::unordered_map<std::string, bool> m_answers;
};

} // namespace restyscope::engine::runtime
