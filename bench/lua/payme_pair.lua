-- Payme CreateTransaction then PerformTransaction on a fresh payme payment, as one pair.
-- `ok` counts pairs whose Perform answered state 2.
package.path = (os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/?.lua;" .. package.path
local common = require("common")
local config = common.config()

local payments, index, step, request_id, payme_id

function init(args)
  payments = common.share(common.lines("payme_payments.txt"))
  index, step, request_id = 1, "create", 0
  wrk.method = "POST"
  wrk.path = config.payme_path
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = config.payme_authorization
end

function request()
  request_id = request_id + 1
  if step == "create" then
    local payment = payments[index]
    if payment == nil then
      common.exhaust()
      return wrk.format("GET", "/bench/floor/" .. config.floor_id .. "/")
    end
    -- Payme's id: 24 characters, unique per thread and payment.
    payme_id = string.format("%s%03d%017d", config.payme_id_prefix, tid, index)
    return wrk.format(nil, nil, nil, string.format(
      '{"jsonrpc": "2.0", "id": %d, "method": "CreateTransaction", "params": {"id": "%s", '
        .. '"time": %d, "amount": %s, "account": {"%s": "%s"}}}',
      request_id, payme_id, os.time() * 1000, config.payme_amount,
      config.payme_account_field, payment))
  end
  return wrk.format(nil, nil, nil, string.format(
    '{"jsonrpc": "2.0", "id": %d, "method": "PerformTransaction", "params": {"id": "%s"}}',
    request_id, payme_id))
end

function response(status, headers, body)
  if exhausted == 1 then
    return
  end
  local good = status == 200 and not body:find('"error"', 1, true)
  if step == "create" then
    if good and body:find('"state": 1', 1, true) then
      step = "perform"
    else
      common.error(status, body)
      index = index + 1
    end
  else
    if good and body:find('"state": 2', 1, true) then
      ok = ok + 1
    else
      common.error(status, body)
    end
    index, step = index + 1, "create"
  end
end
