-- GET /api/broken: a runtime error before any output gives a 500 and a
-- "lua entry thread aborted" line in logs/error.log.
local t = nil
return t.field
