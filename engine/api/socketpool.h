#pragma once
// Design: the cosocket keepalive pool of one VM (a net::KeepalivePool). lua-nginx-module
// keeps it in the VM's registry, so requests of one VM share it and a fresh VM
// (lua_code_cache off) starts empty; collecting the VM closes its idle connections.

#include "engine/net/keepalivepool.h"

struct lua_State;

namespace restyscope::engine::api::cosocket {

// The pool of L's VM, created on first use.
net::KeepalivePool& socketPoolOf(lua_State* L);

} // namespace restyscope::engine::api::cosocket
