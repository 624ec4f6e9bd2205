#include "engine/runtime/cachekey.h"

#include <openssl/evp.h>

#include <array>

namespace restyscope::engine::runtime {

namespace {

constexpr std::string_view kInlineTag = "_nhli_";
constexpr std::string_view kFileTag = "nhlf_";

} // namespace

std::string md5Hex(std::string_view data)
{
    // One fetched digest and context per thread: EVP_Digest fetches the algorithm on every
    // call, under a lock, and keys of variable paths are computed per request.
    struct Md5
    {
        EVP_MD* md = EVP_MD_fetch(nullptr, "MD5", nullptr);
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        ~Md5()
        {
            EVP_MD_CTX_free(ctx);
            EVP_MD_free(md);
        }
    };
    static thread_local Md5 md5;
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (!md5.md || !md5.ctx || EVP_DigestInit_ex(md5.ctx, md5.md, nullptr) != 1 ||
        EVP_DigestUpdate(md5.ctx, data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(md5.ctx, digest.data(), &length) != 1) {
        return {}; // only on allocation failure inside OpenSSL
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        out.push_back(kHex[digest[i] >> 4]);
        out.push_back(kHex[digest[i] & 0x0f]);
    }
    return out;
}

std::string inlineCacheKey(std::string_view tag, std::string_view source)
{
    std::string key;
    key.reserve(tag.size() + kInlineTag.size() + 32);
    key.append(tag).append(kInlineTag).append(md5Hex(source));
    return key;
}

std::string fileCacheKey(std::string_view path)
{
    std::string key(kFileTag);
    key.append(md5Hex(path));
    return key;
}

std::string rebasePath(std::string_view prefix, std::string_view path)
{
    if (!path.empty() && path.front() == '/') {
        return std::string(path);
    }
    std::string full(prefix);
    full.append(path);
    return full;
}

} // namespace restyscope::engine::runtime
