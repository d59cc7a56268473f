-- The floor: GET one AuctionPayment by merchant_trans_id from the bench-only view.
package.path = (os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/?.lua;" .. package.path
local common = require("common")
local config = common.config()

wrk.method = "GET"
wrk.path = "/bench/floor/" .. config.floor_id .. "/"

function response(status, headers, body)
  if status == 200 and body:find(config.floor_id, 1, true) then
    ok = ok + 1
  else
    common.error(status, body)
  end
end
