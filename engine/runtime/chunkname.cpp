#include "engine/runtime/chunkname.h"

namespace restyscope::engine::runtime {

namespace {

// LuaJIT keeps chunk names readable up to this length; lua-nginx-module budgets for it.
constexpr std::size_t kChunkNameMaxLen = 56;
constexpr std::string_view kEllipsis = "...";
constexpr std::string_view kMainConfName = "/nginx.conf";

// The file part: the tail that fits the budget left by tag and line number.
std::string_view fitFilePart(std::string_view file, std::size_t reserved, bool& truncated)
{
    truncated = false;
    if (file.size() + reserved <= kChunkNameMaxLen) {
        return file;
    }
    truncated = true;
    const std::size_t budget = reserved + kEllipsis.size();
    const std::size_t keep = budget < kChunkNameMaxLen ? kChunkNameMaxLen - budget : 0;
    return file.substr(file.size() - keep);
}

} // namespace

std::string inlineChunkName(std::string_view tag, std::string_view confFile,
                            std::string_view confPrefix, int line)
{
    const std::string lineText = std::to_string(line);
    const std::size_t reserved = tag.size() + lineText.size();

    std::string_view file = confFile;
    bool truncated = false;
    if (file.size() >= kMainConfName.size() && file.ends_with(kMainConfName)) {
        file.remove_prefix(file.size() - kMainConfName.size() + 1); // never shortened
    } else if (!confPrefix.empty() && confPrefix.size() < file.size() &&
               file.starts_with(confPrefix)) {
        file = fitFilePart(file.substr(confPrefix.size()), reserved, truncated);
    } else {
        file = fitFilePart(file, reserved, truncated);
    }

    std::string name;
    name.reserve(tag.size() + file.size() + lineText.size() + 8);
    name.append("=").append(tag).append("(");
    if (truncated) {
        name.append(kEllipsis);
    }
    name.append(file).append(":").append(lineText).append(")");
    return name;
}

std::string fileChunkName(std::string_view absolutePath)
{
    std::string name("@");
    name.append(absolutePath);
    return name;
}

std::string confPrefixOf(std::string_view mainConfFile)
{
    const std::size_t slash = mainConfFile.rfind('/');
    if (slash == std::string_view::npos) {
        return {};
    }
    return std::string(mainConfFile.substr(0, slash + 1));
}

} // namespace restyscope::engine::runtime
