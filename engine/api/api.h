#pragma once
// Design: the ngx.* API, one file per family as lua-nginx-module has them (output, req,
// var, header, log, ctx, sleep, uthread, coroutine, exec, ...). installNgxApi builds the
// `ngx` table in a fresh VM; each family adds its functions to the table on the stack top.

struct lua_State;

namespace restyscope::engine::api {

/* stack: ... -> ... (sets global ngx and package.loaded.ngx) */
void installNgxApi(lua_State* L);

// Family installers: /* stack: ngx -> ngx */
void installConstants(lua_State* L);  // ngx.OK, ngx.HTTP_*, ngx.ERR ..., ngx.null
void installOutput(lua_State* L);     // say, print, flush, eof, exit, status, send_headers
void installHeader(lua_State* L);     // ngx.header
void installReq(lua_State* L);        // ngx.req.*
void installReqBody(lua_State* L);    // ngx.req.read_body, discard_body (after installReq)
void installVar(lua_State* L);        // ngx.var
void installLog(lua_State* L);        // ngx.log, print
void installCtx(lua_State* L);        // ngx.ctx
void installSleep(lua_State* L);      // ngx.sleep
void installUthread(lua_State* L);    // ngx.thread.*
void installCoroutine(lua_State* L);  // coroutine.* dispatchers (global coroutine table)
void installExec(lua_State* L);       // ngx.exec, ngx.redirect
void installTimer(lua_State* L);      // ngx.timer.*
void installShared(lua_State* L);     // ngx.shared.DICT
void installRegex(lua_State* L);      // ngx.re.*
void installMisc(lua_State* L);       // ngx.get_phase, ngx.now, ngx.time, ...
void installSocket(lua_State* L);     // ngx.socket.tcp, stream, connect, udp
void installSemaphore(lua_State* L);  // package.loaded["ngx.semaphore"]
void installSubrequest(lua_State* L); // ngx.location.capture, capture_multi

} // namespace restyscope::engine::api
