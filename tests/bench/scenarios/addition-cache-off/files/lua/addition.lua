local args = ngx.req.get_uri_args()
local a = tonumber(args.a) or 0
local b = tonumber(args.b) or 0
ngx.say(a + b)
