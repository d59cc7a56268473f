-- Payme CheckTransaction of one created (state 1) transaction: a fixed body.
package.path = (os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/?.lua;" .. package.path
local common = require("common")
local config = common.config()

wrk.method = "POST"
wrk.path = config.payme_path
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = config.payme_authorization
wrk.body = string.format(
  '{"jsonrpc": "2.0", "id": 2, "method": "CheckTransaction", "params": {"id": "%s"}}',
  config.check_transaction_id)

function response(status, headers, body)
  if status == 200 and body:find('"state": 1', 1, true) and not body:find('"error"', 1, true) then
    ok = ok + 1
  else
    common.error(status, body)
  end
end
