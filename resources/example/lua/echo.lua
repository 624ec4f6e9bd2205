-- POST /api/echo with a JSON body: answers JSON with what the handler saw (method, URI
-- args, the decoded body). ?delay=S keeps the request alive S seconds after the answer went
-- out (ngx.flush(true), then ngx.sleep): the client shows the response while its coroutine
-- still sleeps in the Coroutines view.
local cjson = require "cjson"
ngx.req.read_body()
local raw = ngx.req.get_body_data()
local ok, decoded = true, nil
if raw then
    ok, decoded = pcall(cjson.decode, raw)
end
ngx.header["Content-Type"] = "application/json"
ngx.say(cjson.encode({
    method = ngx.req.get_method(),
    uri = ngx.var.uri,
    args = ngx.req.get_uri_args(),
    json = ok and decoded or nil,
    error = not ok and decoded or nil,
}))
local delay = tonumber(ngx.var.arg_delay)
if delay and delay > 0 then
    ngx.flush(true)
    ngx.sleep(math.min(delay, 10))
end
