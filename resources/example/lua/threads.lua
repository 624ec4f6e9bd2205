-- GET /api/threads: two user threads sleep in parallel while the entry thread waits,
-- a user coroutine yields values back: step through the resumes one at a time.
local function fetch(name, seconds)
    ngx.sleep(seconds)
    return name .. " after " .. seconds .. "s"
end
local a = ngx.thread.spawn(fetch, "a", 0.2)
local b = ngx.thread.spawn(fetch, "b", 0.1)
local gen = coroutine.wrap(function()
    for i = 1, 3 do
        coroutine.yield(i)
    end
end)
ngx.say("generator: ", gen(), gen(), gen())
ngx.say(select(2, ngx.thread.wait(a)))
ngx.say(select(2, ngx.thread.wait(b)))
ngx.sleep(0)
ngx.say("done")
