-- wrk script of tests/bench/soak.sh: requests the soak prefix's paths in a fixed rotation
-- and stops each thread after its share of responses (wrk's arguments: the share, and a
-- file each stopped thread appends a line to: wrk itself only ends at -d or SIGINT).
-- A response is expected when it is 200 with a body starting "ok ", or 500 (only the
-- error paths answer 500); everything else is unexpected. Since a response cannot be
-- matched to its request here, the 500s are checked in total against the error requests.

local paths = {
    "/on/plain", "/on/thread", "/on/sleep", "/on/coroutine", "/on/plain",
    "/on/thread-error", "/on/timer", "/on/error", "/off/plain", "/on/sleep",
    "/on/thread", "/off/thread", "/on/plain", "/on/coroutine", "/off/error", "/on/shdict",
}
local errorPath = { ["/on/error"] = true, ["/off/error"] = true }

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    share = tonumber(args[1]) or 1000
    doneFile = args[2]
    sent, responses, ok, got500, errorsSent, unexpected = 0, 0, 0, 0, 0, 0
    firstUnexpected = ""
end

function request()
    sent = sent + 1
    local path = paths[(sent % #paths) + 1]
    if errorPath[path] then
        errorsSent = errorsSent + 1
    end
    return wrk.format("GET", path)
end

function response(status, headers, body)
    responses = responses + 1
    if status == 200 and body:sub(1, 3) == "ok " then
        ok = ok + 1
    elseif status == 500 then
        got500 = got500 + 1
    else
        unexpected = unexpected + 1
        if firstUnexpected == "" then
            firstUnexpected = status .. " " .. body:sub(1, 60):gsub("\n", " ")
        end
    end
    if responses == share then
        if doneFile then
            local f = io.open(doneFile, "a")
            f:write("done\n")
            f:close()
        end
        wrk.thread:stop()
    end
end

function done(summary, latency, requests)
    local t = { responses = 0, ok = 0, got500 = 0, errorsSent = 0, unexpected = 0, sent = 0 }
    local first = ""
    for _, thread in ipairs(threads) do
        for name in pairs(t) do
            t[name] = t[name] + thread:get(name)
        end
        if first == "" then
            first = thread:get("firstUnexpected")
        end
    end
    -- Requests still in flight when a thread stopped got no response: at most one per
    -- connection, so the 500s may fall short of the error requests by that much.
    io.write(string.format(
        "SOAK responses=%d ok=%d status500=%d error_requests=%d unexpected=%d in_flight=%d socket_errors=%d first_unexpected=%q\n",
        t.responses, t.ok, t.got500, t.errorsSent, t.unexpected, t.sent - t.responses,
        summary.errors.connect + summary.errors.read + summary.errors.write +
            summary.errors.timeout, first))
end
