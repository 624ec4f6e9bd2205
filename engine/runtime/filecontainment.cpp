#include "engine/runtime/filecontainment.h"

#include "engine/runtime/cachekey.h"

#include <filesystem>

namespace restyscope::engine::runtime {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxRememberedAnswers = 4096;

// ".." and symlinks resolved as far as the path exists; the rest normalized lexically.
std::string realPath(const std::string& path)
{
    std::error_code ec;
    fs::path real = fs::weakly_canonical(fs::path(path), ec);
    if (ec) {
        real = fs::path(path).lexically_normal();
    }
    return real.string();
}

std::string withoutTrailingSlash(std::string path)
{
    while (path.size() > 1 && path.back() == '/') {
        path.pop_back();
    }
    return path;
}

} // namespace

FileContainment::FileContainment(std::string_view prefix, std::string_view packagePath)
    : m_prefix(prefix), m_realPrefix(withoutTrailingSlash(realPath(std::string(prefix))))
{
    // "a/?.lua;$prefix/b/?.lua;;": each entry's directory before its '?'; ";;" (the
    // default path) is not named by the configuration.
    std::size_t start = 0;
    while (start < packagePath.size()) {
        std::size_t end = packagePath.find(';', start);
        if (end == std::string_view::npos) {
            end = packagePath.size();
        }
        std::string entry(packagePath.substr(start, end - start));
        start = end + 1;
        for (const std::string_view name : {"${prefix}", "$prefix"}) {
            if (const auto at = entry.find(name); at != std::string::npos) {
                entry.replace(at, name.size(), m_prefix);
            }
        }
        const auto mark = entry.find('?');
        const auto slash = entry.rfind('/', mark);
        if (entry.empty() || slash == std::string::npos) {
            continue;
        }
        m_roots.push_back(
            withoutTrailingSlash(realPath(rebasePath(m_prefix, entry.substr(0, slash + 1)))));
    }
}

std::string FileContainment::namedDirectory(std::string_view directivePath) const
{
    std::string_view fixed = directivePath.substr(0, directivePath.find('$'));
    const auto slash = fixed.rfind('/');
    fixed = slash == std::string_view::npos ? std::string_view() : fixed.substr(0, slash + 1);
    return fs::path(rebasePath(m_prefix, fixed)).lexically_normal().string();
}

bool FileContainment::inside(const std::string& real, const std::string& root) const
{
    if (root == "/") {
        return true;
    }
    return real.size() > root.size() && real.compare(0, root.size(), root) == 0 &&
           real[root.size()] == '/';
}

bool FileContainment::allows(const std::string& path, std::string_view directivePath, bool remember)
{
    if (remember) {
        if (const auto it = m_answers.find(path); it != m_answers.end()) {
            return it->second;
        }
    }
    const std::string real = realPath(path);
    bool allowed = inside(real, m_realPrefix) ||
                   inside(real, withoutTrailingSlash(realPath(namedDirectory(directivePath))));
    for (std::size_t i = 0; !allowed && i < m_roots.size(); ++i) {
        allowed = inside(real, m_roots[i]);
    }
    if (remember && m_answers.size() < kMaxRememberedAnswers) {
        m_answers.emplace(path, allowed);
    }
    return allowed;
}

} // namespace restyscope::engine::runtime
