-- A module: package.loaded keeps it per VM.
local _M = {}
local count = 0
function _M.next()
    count = count + 1
    return count
end
return _M
