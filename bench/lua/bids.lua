-- POST /api/auctions/{id}/bids/ from 50 bidders, one connection (thread) each with its own
-- token; the amount is the clock in hundredths of a microsecond plus the thread id, so
-- bids rise and no two are equal. 201 counts `ok`, 400 "at least" counts `too_low`.
package.path = (os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/?.lua;" .. package.path
local common = require("common")
local ffi = require("ffi")
local config = common.config()

ffi.cdef([[
typedef struct { long tv_sec; long tv_usec; } bench_timeval;
int gettimeofday(bench_timeval *tv, void *tz);
]])
local clock = ffi.new("bench_timeval")

function init(args)
  local tokens = common.lines("bidder_tokens.txt")
  wrk.method = "POST"
  wrk.path = config.bids_path
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Token " .. tokens[(tid - 1) % #tokens + 1]
end

function request()
  ffi.C.gettimeofday(clock, nil)
  local micros = (tonumber(clock.tv_sec) - tonumber(config.bids_epoch)) * 1000000
    + tonumber(clock.tv_usec)
  local cents = 100 + micros * 100 + tid
  return wrk.format(nil, nil, nil, string.format(
    '{"amount": "%d.%02d"}', math.floor(cents / 100), cents % 100))
end

function response(status, headers, body)
  if status == 201 then
    ok = ok + 1
  elseif status == 400 and body:find("at least", 1, true) then
    too_low = too_low + 1
  else
    common.error(status, body)
  end
end
