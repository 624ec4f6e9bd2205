#pragma once
// Reading a paused coroutine: its frames, the locals and upvalues of a frame, and an
// expression evaluated in that frame's scope. Engine thread, while the coroutine is
// stopped in the line hook.

#include <string>
#include <vector>

struct lua_State;

namespace restyscope::engine::debug {

struct FrameInfo
{
    int level = 0;
    std::string source; // "@/abs/lua/x.lua", "=content_by_lua(nginx.conf:3)"
    int line = 0;
    std::string name; // function name when Lua knows it
    std::string what; // "Lua", "C", "main"
};

struct VariableInfo
{
    std::string name;
    std::string type;
    std::string value; // rendered: strings quoted, tables one level deep
};

std::vector<FrameInfo> stackOf(lua_State* co);
int stackDepth(lua_State* co);
// false when the frame does not exist
bool localsOf(lua_State* co, int level, std::vector<VariableInfo>& out);
bool upvaluesOf(lua_State* co, int level, std::vector<VariableInfo>& out);
// The expression (or statement) in the frame's scope: its locals and upvalues first, then
// globals. Returns the rendered results, or false with Lua's error text.
bool evaluate(lua_State* co, int level, const std::string& expression,
              std::vector<VariableInfo>& results, std::string& error);

// How a value reads in the variables view.
std::string describeValue(lua_State* L, int index, int depth = 1);

} // namespace restyscope::engine::debug
