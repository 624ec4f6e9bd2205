#include "engine/api/api.h"

#include <lua.hpp>

namespace restyscope::engine::api {

void installNgxApi(lua_State* L)
{
    lua_createtable(L, 0, 128);
    installConstants(L);
    installOutput(L);
    installHeader(L);
    installReq(L);
    installReqBody(L);
    installVar(L);
    installLog(L);
    installCtx(L);
    installSleep(L);
    installUthread(L);
    installExec(L);
    installTimer(L);
    installMisc(L);
    installShared(L);
    installRegex(L);
    installSocket(L);
    installSemaphore(L);
    installSubrequest(L);
    /* stack: ngx */
    lua_pushvalue(L, -1);
    lua_setglobal(L, "ngx");
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "loaded");
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "ngx");
    lua_pop(L, 3);
    installCoroutine(L);
}

} // namespace restyscope::engine::api
