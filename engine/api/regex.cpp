// ngx.re.match/find/gmatch/sub/gsub as lua-resty-core 0.1.25's regex.lua defines them on
// lua-nginx-module 0.10.23 (PCRE2): the options string, the capture tables (numbered, then
// named; false for groups that did not take part), ctx.pos, the empty-match advance by one
// byte, and the error strings. Compiled patterns are kept in a small per-thread cache
// whatever the "o" flag says: compiling is not observable.
// Not modelled: "d" (DFA) matches like the default engine; "J" is accepted and ignored.

#include "engine/conf/regex.h"
#include "engine/api/api.h"
#include "engine/api/apicommon.h"
#include "engine/api/apiutil.h"
#include "engine/api/regextemplate.h"
#include "engine/sched/scheduler.h"
#include "engine/trace/errorlog.h"

#include <lua.hpp>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace restyscope::engine::api {

namespace {

using conf::Regex;
constexpr std::size_t npos = Regex::npos;

std::shared_ptr<const Regex> cachedCompile(const std::string& pattern, unsigned options,
                                           std::string* error)
{
    thread_local std::unordered_map<std::string, std::shared_ptr<const Regex>> cache;
    std::string key = pattern;
    key += '\0';
    key += std::to_string(options);
    if (const auto it = cache.find(key); it != cache.end()) {
        return it->second;
    }
    auto re = Regex::compile(pattern, options, error);
    if (re) {
        if (cache.size() >= 1024) {
            cache.clear();
        }
        cache.emplace(std::move(key), re);
    }
    return re;
}

// The nginx here links PCRE (8.x), not PCRE2: lua-nginx-module words compile errors as
// `pcre_compile() failed: <PCRE1 text> in "<pattern>"[ at "<rest>"]` and match errors with
// PCRE1's codes. Regex compiles with PCRE2, so its messages and codes are translated.
std::string pcre1Error(const std::string& pcre2Error, const std::string& pattern)
{
    static const std::unordered_map<std::string, std::string> texts = {
        {"missing closing parenthesis", "missing )"},
        {"unmatched closing parenthesis", "unmatched parentheses"},
        {"quantifier does not follow a repeatable item", "nothing to repeat"},
        {"escape sequence is invalid in character class",
         "invalid escape sequence in character class"},
        {"two named subpatterns have the same name (PCRE2_DUPNAMES not set)",
         "two named subpatterns have the same name"},
        {"subpattern name must start with a non-digit", "group name must start with a non-digit"},
        {"missing ) after (?# comment", "missing ) after comment"},
        {"parentheses are too deeply nested", "parentheses nested too deeply"},
        {"failed to allocate heap memory", "failed to get memory"},
        {"syntax error in subpattern name (missing terminator?)",
         "syntax error in subpattern name (missing terminator)"},
        {"unknown property after \\P or \\p", "unknown property name after \\P or \\p"},
        {"subpattern name is too long (maximum 32 code units)",
         "subpattern name is too long (maximum 32 characters)"},
        {"assertion expected after (?( or (?(?C)", "assertion expected after (?("},
        {"conditional subpattern contains more than two branches",
         "conditional group contains more than two branches"},
    };
    static const std::string prefix = "pcre2_compile() failed: ";
    if (pcre2Error.compare(0, prefix.size(), prefix) != 0) {
        return pcre2Error;
    }
    const std::string marker = " in \"" + pattern + "\"";
    const std::size_t end = pcre2Error.find(marker, prefix.size());
    if (end == std::string::npos) {
        return "pcre_compile() failed: " + pcre2Error.substr(prefix.size());
    }
    std::string text = pcre2Error.substr(prefix.size(), end - prefix.size());
    std::string rest = pcre2Error.substr(end);
    if (text == "two named subpatterns have the same name (PCRE2_DUPNAMES not set)") {
        // PCRE1 reports the offset at the name's closing delimiter, PCRE2 just after it.
        const std::string at = marker + " at \"";
        if (rest.compare(0, at.size(), at) == 0) {
            const std::size_t tail = rest.size() - at.size() - 1;
            if (tail < pattern.size()) {
                rest = at + pattern.substr(pattern.size() - tail - 1) + '"';
            }
        }
    }
    if (const auto it = texts.find(text); it != texts.end()) {
        text = it->second;
    }
    return "pcre_compile() failed: " + text + rest;
}

// PCRE2 match error codes as PCRE1 numbers them (the UTF-8 family is one code there).
int pcre1ExecCode(int rc)
{
    if (rc <= -3 && rc >= -23) {
        return -10; // PCRE_ERROR_BADUTF8
    }
    switch (rc) {
    case -33: // PCRE2_ERROR_BADOFFSET
        return -24;
    case -36: // PCRE2_ERROR_BADUTFOFFSET
        return -11;
    case -47: // PCRE2_ERROR_MATCHLIMIT
        return -8;
    case -48: // PCRE2_ERROR_NOMEMORY
        return -6;
    case -53: // PCRE2_ERROR_RECURSIONLIMIT (depth limit)
        return -21;
    default: return rc;
    }
}

struct Compiled
{
    std::shared_ptr<const Regex> re;
    bool dupNames = false;
    std::string error;
};

// Parses the options (raising lua-resty-core's error at errWhere in its regex.lua, where its
// helper calls the compile function) and compiles the pattern; on a bad pattern re is null.
Compiled compileArgs(lua_State* L, int patternIndex, int optsIndex, const char* errWhere)
{
    Compiled out;
    unsigned options = 0;
    if (lua_toboolean(L, optsIndex)) {
        std::size_t len = 0;
        const char* opts = luaL_checklstring(L, optsIndex, &len);
        for (std::size_t i = 0; i < len; ++i) {
            switch (opts[i]) {
            case 'o':
            case 'j':
            case 'd':
            case 'J': break;
            case 'i': options |= Regex::Caseless; break;
            case 's': options |= Regex::DotAll; break;
            case 'm': options |= Regex::Multiline; break;
            case 'u':
            case 'U': options |= Regex::Utf; break;
            case 'x': options |= Regex::Extended; break;
            case 'a': options |= Regex::Anchored; break;
            case 'D':
                options |= Regex::DupNames;
                out.dupNames = true;
                break;
            default: {
                const std::string msg = std::string("unknown flag \"") + opts[i] + "\" (flags \"" +
                                        std::string(opts, len) + "\")";
                if (errWhere) {
                    restyError(L, errWhere, msg);
                } else {
                    errorAt(L, 1, msg);
                }
            }
            }
        }
    }
    std::size_t plen = 0;
    const char* pattern = luaL_checklstring(L, patternIndex, &plen);
    const std::string text(pattern, plen);
    out.re = cachedCompile(text, options, &out.error);
    if (!out.re) {
        out.error = pcre1Error(out.error, text);
    }
    return out;
}

std::string subjectOf(lua_State* L, int index)
{
    if (lua_type(L, index) == LUA_TSTRING) {
        return std::string(lua_tostring(L, index), lua_objlen(L, index));
    }
    return luaToString(L, index);
}

// Runs the match; returns rc as lua-resty-core sees it (pairs set, 0 none) or pushes an
// error string and returns -1.
int exec(const Regex& re, const std::string& subject, std::size_t pos,
         std::vector<std::size_t>& ovector, std::string* error)
{
    ovector.assign(2 * (static_cast<std::size_t>(re.captureCount()) + 1), npos);
    if (pos > subject.size()) {
        return 0;
    }
    const int rc = re.match(subject, pos, ovector);
    if (rc < 0) {
        *error = "pcre_exec() failed: " + std::to_string(pcre1ExecCode(rc));
        return -1;
    }
    return rc;
}

// The capture table: res[0..n] then named captures.
void pushCaptures(lua_State* L, const Compiled& c, const std::string& subject,
                  const std::vector<std::size_t>& ov, int rc)
{
    const int n = c.re->captureCount();
    const auto& names = c.re->namedGroups();
    lua_createtable(L, n, static_cast<int>(names.size()));
    for (int i = 0; i <= n; ++i) {
        const std::size_t from = ov[2 * static_cast<std::size_t>(i)];
        if (i >= rc || from == npos) {
            lua_pushboolean(L, 0);
        } else {
            lua_pushlstring(L, subject.data() + from,
                            ov[2 * static_cast<std::size_t>(i) + 1] - from);
        }
        lua_rawseti(L, -2, i);
    }
    for (const Regex::NamedGroup& g : names) {
        lua_pushlstring(L, g.name.data(), g.name.size());
        lua_rawgeti(L, -2, g.number);
        if (!c.dupNames) {
            lua_rawset(L, -3);
            continue;
        }
        if (!lua_toboolean(L, -1)) {
            lua_pop(L, 2);
            continue;
        }
        lua_pushvalue(L, -2);
        lua_rawget(L, -4);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            lua_createtable(L, 1, 0);
            lua_pushvalue(L, -2);
            lua_rawseti(L, -2, 1);
            lua_pushvalue(L, -3);
            lua_pushvalue(L, -2);
            lua_rawset(L, -6);
        } else {
            lua_pushvalue(L, -2);
            lua_rawseti(L, -2, static_cast<int>(lua_objlen(L, -2)) + 1);
        }
        lua_pop(L, 3);
    }
}

int matchHelper(lua_State* L, bool wantCaps)
{
    const Compiled c = compileArgs(L, 2, 3, "regex.lua:624");
    const std::string subject = subjectOf(L, 1);
    if (!c.re) {
        lua_pushnil(L);
        if (!wantCaps) {
            lua_pushnil(L);
        }
        lua_pushstring(L, c.error.c_str());
        return wantCaps ? 2 : 3;
    }
    const bool hasCtx = lua_type(L, 4) == LUA_TTABLE;
    std::size_t pos = 0;
    if (hasCtx) {
        lua_getfield(L, 4, "pos");
        const double p = lua_tonumber(L, -1);
        lua_pop(L, 1);
        pos = p > 0 ? static_cast<std::size_t>(p - 1) : 0;
    }
    std::vector<std::size_t> ov;
    std::string error;
    const int rc = exec(*c.re, subject, pos, ov, &error);
    if (rc == 0) {
        lua_pushnil(L);
        return 1;
    }
    if (rc < 0) {
        lua_pushnil(L);
        if (!wantCaps) {
            lua_pushnil(L);
        }
        lua_pushstring(L, error.c_str());
        return wantCaps ? 2 : 3;
    }
    if (hasCtx) {
        lua_pushnumber(L, static_cast<double>(ov[1] + 1));
        lua_setfield(L, 4, "pos");
    }
    if (wantCaps) {
        pushCaptures(L, c, subject, ov, rc);
        return 1;
    }
    int nth = lua_isnoneornil(L, 5) ? 0 : static_cast<int>(lua_tonumber(L, 5));
    if (nth < 0) {
        nth = 0;
    }
    if (nth > c.re->captureCount()) {
        lua_pushnil(L);
        lua_pushnil(L);
        lua_pushliteral(L, "nth out of bound");
        return 3;
    }
    const std::size_t from = ov[2 * static_cast<std::size_t>(nth)];
    if (nth >= rc || from == npos) {
        lua_pushnil(L);
        lua_pushnil(L);
        return 2;
    }
    lua_pushnumber(L, static_cast<double>(from + 1));
    lua_pushnumber(L, static_cast<double>(ov[2 * static_cast<std::size_t>(nth) + 1]));
    return 2;
}

int reMatch(lua_State* L)
{
    return matchHelper(L, true);
}

int reFind(lua_State* L)
{
    return matchHelper(L, false);
}

// gmatch's iterator state, a full userdata kept in the iterator table's "_state" field.
struct GmatchState
{
    Compiled compiled;
    std::string subject;
    std::size_t pos = 0;
    bool done = false;
};

constexpr const char* kGmatchState = "restyscope.re.gmatch";

int gmatchGc(lua_State* L)
{
    static_cast<GmatchState*>(lua_touserdata(L, 1))->~GmatchState();
    return 0;
}

int gmatchIterate(lua_State* L)
{
    /* stack: self ... */
    lua_getfield(L, 1, "_state");
    auto* st = static_cast<GmatchState*>(luaL_checkudata(L, -1, kGmatchState));
    if (st->done) {
        lua_pushnil(L);
        return 1;
    }
    std::vector<std::size_t> ov;
    std::string error;
    const int rc = exec(*st->compiled.re, st->subject, st->pos, ov, &error);
    if (rc <= 0) {
        st->done = true;
        lua_pushnil(L);
        if (rc < 0) {
            lua_pushstring(L, error.c_str());
            return 2;
        }
        return 1;
    }
    std::size_t next = ov[1];
    if (next == ov[0]) {
        ++next;
        if (next > st->subject.size()) {
            st->done = true;
        }
    }
    st->pos = next;
    pushCaptures(L, st->compiled, st->subject, ov, rc);
    return 1;
}

int reGmatch(lua_State* L)
{
    const std::string subject = subjectOf(L, 1);
    Compiled c = compileArgs(L, 2, 3, "regex.lua:794");
    if (!c.re) {
        lua_pushnil(L);
        lua_pushstring(L, c.error.c_str());
        return 2;
    }
    lua_createtable(L, 0, 1);
    auto* st = static_cast<GmatchState*>(lua_newuserdata(L, sizeof(GmatchState)));
    new (st) GmatchState{std::move(c), subject, 0, false};
    luaL_getmetatable(L, kGmatchState);
    lua_setmetatable(L, -2);
    lua_setfield(L, -2, "_state");
    lua_getfield(L, LUA_REGISTRYINDEX, "restyscope.re.gmatch.iterator");
    lua_setmetatable(L, -2);
    return 1;
}

// nginx logs why a template is refused, at error level, without the request context.
void logTemplateError(lua_State* L, const std::string& why)
{
    const sched::RequestCtx* ctx = findRequest(L);
    if (!ctx || !ctx->scheduler.log().enabled(trace::LogLevel::Error)) {
        return;
    }
    ctx->scheduler.log().write(trace::LogLevel::Error, 0, why);
}

int subHelper(lua_State* L, bool global)
{
    const bool isFunction = lua_type(L, 3) == LUA_TFUNCTION;
    std::string replace;
    if (!isFunction) {
        replace = subjectOf(L, 3);
    }
    const Compiled c = compileArgs(L, 2, 4, isFunction ? "regex.lua:952" : "regex.lua:1062");
    if (!c.re) {
        lua_pushnil(L);
        lua_pushnil(L);
        lua_pushstring(L, c.error.c_str());
        return 3;
    }
    std::optional<ReplaceTemplate> tpl;
    if (!isFunction) {
        std::string why;
        tpl = compileReplaceTemplate(replace, &why);
        if (!tpl) {
            logTemplateError(L, why);
            lua_pushnil(L);
            lua_pushnil(L);
            lua_pushliteral(L, "failed to compile the replacement template");
            return 3;
        }
    }
    const std::string subject = subjectOf(L, 1);
    std::string out;
    std::size_t pos = 0;
    std::size_t copied = 0;
    int count = 0;
    std::vector<std::size_t> ov;
    std::string error;
    for (;;) {
        const int rc = exec(*c.re, subject, pos, ov, &error);
        if (rc == 0) {
            break;
        }
        if (rc < 0) {
            lua_pushnil(L);
            lua_pushnil(L);
            lua_pushstring(L, error.c_str());
            return 3;
        }
        ++count;
        out.append(subject, copied, ov[0] - copied);
        if (isFunction) {
            lua_pushvalue(L, 3);
            pushCaptures(L, c, subject, ov, rc);
            lua_call(L, 1, 1);
            out += luaToString(L, -1);
            lua_pop(L, 1);
        } else {
            expandReplaceTemplate(*tpl, subject, ov, rc, out);
        }
        copied = ov[1];
        pos = copied;
        if (pos == ov[0]) {
            ++pos;
            if (pos > subject.size()) {
                break;
            }
        }
        if (!global) {
            break;
        }
    }
    if (count == 0) {
        lua_pushlstring(L, subject.data(), subject.size());
        lua_pushnumber(L, 0);
        return 2;
    }
    out.append(subject, copied, std::string::npos);
    lua_pushlstring(L, out.data(), out.size());
    lua_pushnumber(L, count);
    return 2;
}

int reSub(lua_State* L)
{
    return subHelper(L, false);
}

int reGsub(lua_State* L)
{
    return subHelper(L, true);
}

} // namespace

void installRegex(lua_State* L)
{
    /* stack: ngx */
    captureLuaToString(L);
    if (luaL_newmetatable(L, kGmatchState)) {
        lua_pushcfunction(L, gmatchGc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, gmatchIterate);
    lua_setfield(L, -2, "__call");
    lua_setfield(L, LUA_REGISTRYINDEX, "restyscope.re.gmatch.iterator");

    lua_createtable(L, 0, 8);
    lua_pushcfunction(L, reMatch);
    lua_setfield(L, -2, "match");
    lua_pushcfunction(L, reFind);
    lua_setfield(L, -2, "find");
    lua_pushcfunction(L, reGmatch);
    lua_setfield(L, -2, "gmatch");
    lua_pushcfunction(L, reSub);
    lua_setfield(L, -2, "sub");
    lua_pushcfunction(L, reGsub);
    lua_setfield(L, -2, "gsub");
    lua_setfield(L, -2, "re");
}

} // namespace restyscope::engine::api
