-- GET /api/counter: with lua_code_cache off every request has a fresh VM, so the global
-- and the module's upvalue start over each time; turn the cache on to see them grow.
local visits = require "visits"
g_requests = (g_requests or 0) + 1
ngx.say("global counter: ", g_requests, ", module counter: ", visits.next())
