-- Shared by the scenario scripts: the data files the bench wrote, per-thread counters,
-- and a done() that prints one machine-readable line (BENCH_RESULT {json}) for bench/run.py.
--
-- wrk runs each thread in its own Lua state; the bench runs one connection per thread
-- (-t = -c), so a thread's globals are its connection's state (a pair's second half
-- needs the first half's answer).
local common = {}

local data_dir = os.getenv("BENCH_DATA_DIR") or "."

function common.lines(name)
  local result = {}
  local file = assert(io.open(data_dir .. "/" .. name, "r"))
  for line in file:lines() do
    if line ~= "" then
      result[#result + 1] = line
    end
  end
  file:close()
  return result
end

function common.config()
  local config = {}
  for _, line in ipairs(common.lines("config.txt")) do
    local key, value = line:match("^([^=]+)=(.*)$")
    config[key] = value
  end
  return config
end

-- This thread's share of `items`: every threads-th item from its own offset, so
-- threads never use the same fresh payment.
function common.share(items)
  local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
  local mine = {}
  for index = tid, #items, threads do
    mine[#mine + 1] = items[index]
  end
  return mine
end

function common.urlencode(text)
  return (text:gsub("[^%w%-%._~]", function(character)
    return string.format("%%%02X", string.byte(character))
  end))
end

function common.form(pairs_list)
  local parts = {}
  for _, pair in ipairs(pairs_list) do
    parts[#parts + 1] = pair[1] .. "=" .. common.urlencode(pair[2])
  end
  return table.concat(parts, "&")
end

-- Counters, read by done() through thread:get.
ok, errors, too_low, exhausted, first_error = 0, 0, 0, 0, ""

function common.error(status, body)
  errors = errors + 1
  if first_error == "" then
    first_error = tostring(status) .. " " .. tostring(body):sub(1, 200)
  end
end

-- Stop this thread once its fresh payments are used up (the bench seeds enough).
function common.exhaust()
  if exhausted == 0 then
    exhausted = 1
    wrk.thread:stop()
  end
end

local threads = {}
tid = 0

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("tid", #threads)
end

local function json_text(text)
  return '"' .. tostring(text):gsub('[%c"\\]', function(character)
    return string.format("\\u%04x", string.byte(character))
  end) .. '"'
end

function done(summary, latency, requests)
  local totals = { ok = 0, errors = 0, too_low = 0, exhausted = 0 }
  local first = ""
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do
      totals[key] = totals[key] + (tonumber(thread:get(key)) or 0)
    end
    local text = thread:get("first_error")
    if first == "" and text and text ~= "" then
      first = text
    end
  end
  local socket = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
      .. '"mean_us": %d, "socket_errors": %d, "timeouts": %d, "status_errors": %d, '
      .. '"ok": %d, "errors": %d, "too_low": %d, "exhausted": %d, "first_error": %s}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, socket.connect + socket.read + socket.write, socket.timeout, socket.status,
    totals.ok, totals.errors, totals.too_low, totals.exhausted, json_text(first)))
end

return common
