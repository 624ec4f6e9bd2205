-- GET /api/hello?name=you
local name = ngx.var.arg_name or "world"
ngx.say("hello, ", name)
