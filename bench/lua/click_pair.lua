-- Click Prepare then Complete on a fresh click payment, signed per request with MD5 as
-- Click signs (PROVIDERS.md 1.3); Complete carries the merchant_prepare_id Prepare answered.
-- `ok` counts pairs whose Complete answered error 0.
package.path = (os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/?.lua;" .. package.path
local common = require("common")
local md5 = require("md5")
local config = common.config()

local payments, index, step, prepare_id, click_trans_id

function init(args)
  payments = common.share(common.lines("click_payments.txt"))
  index, step = 1, "prepare"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

local function signed(payment, action, merchant_prepare_id)
  local sign_time = os.date("%Y-%m-%d %H:%M:%S")
  local amount = config.click_amount
  local sign = md5(tostring(click_trans_id) .. config.click_service_id .. config.click_secret_key
    .. payment .. (merchant_prepare_id or "") .. amount .. action .. sign_time)
  local fields = {
    { "click_trans_id", tostring(click_trans_id) },
    { "service_id", config.click_service_id },
    { "click_paydoc_id", tostring(click_trans_id + 7) },
    { "merchant_trans_id", payment },
  }
  if merchant_prepare_id then
    fields[#fields + 1] = { "merchant_prepare_id", merchant_prepare_id }
  end
  for _, pair in ipairs({
    { "amount", amount }, { "action", action }, { "error", "0" }, { "error_note", "" },
    { "sign_time", sign_time }, { "sign_string", sign },
  }) do
    fields[#fields + 1] = pair
  end
  return common.form(fields)
end

function request()
  local payment = payments[index]
  if payment == nil then
    common.exhaust()
    return wrk.format("GET", "/bench/floor/" .. config.floor_id .. "/")
  end
  if step == "prepare" then
    -- Click's id of the attempt: unique per thread and payment.
    click_trans_id = tid * 100000000 + index
    return wrk.format(nil, config.click_prepare_path, nil, signed(payment, "0", nil))
  end
  return wrk.format(nil, config.click_complete_path, nil, signed(payment, "1", prepare_id))
end

function response(status, headers, body)
  if exhausted == 1 then
    return
  end
  local error_code = status == 200 and body:match('"error":%s*(-?%d+)')
  if step == "prepare" then
    prepare_id = error_code == "0" and body:match('"merchant_prepare_id":%s*(%d+)')
    if prepare_id then
      step = "complete"
    else
      common.error(status, body)
      index = index + 1
    end
  else
    if error_code == "0" then
      ok = ok + 1
    else
      common.error(status, body)
    end
    index, step = index + 1, "prepare"
  end
end
