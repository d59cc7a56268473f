-- Check md5.lua against RFC 1321 and Click's vectors (PROVIDERS.md 1.3); run with luajit.
-- Usage: luajit bench/lua/md5_check.lua  (from the project root). Exits 1 on a mismatch.
package.path = "bench/lua/?.lua;" .. package.path
local md5 = require("md5")
local click = "2001" .. "12345" .. "TESTSECRET" .. "AUCTION_A1B2C3D4E5F6G7H8I9J0"
local vectors = {
  { "", "d41d8cd98f00b204e9800998ecf8427e" },
  { "abc", "900150983cd24fb0d6963f7d28e17f72" },
  { "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
  { string.rep("1234567890", 8),
    "57edf4a22be3c955ac49da2e2107b67a" },
  { string.rep("a", 55), "ef1772b6dff9a122358552954ad0df65" },
  { string.rep("a", 56), "3b0c8ac703f828b04c6c197006d17218" },
  { string.rep("a", 64), "014842d480b571495a4a0363793f7367" },
  { click .. "50000.00" .. "0" .. "2025-01-15 10:30:00", "919be34c4c68925f6b7c255c8ffdaa05" },
  { click .. "50000" .. "0" .. "2025-01-15 10:30:00", "de39e32b16fa99d40e065970a1290dd2" },
  { click .. "17" .. "50000.00" .. "1" .. "2025-01-15 10:30:05",
    "0f9e9375a335eb195c3da973e71dee8e" },
  { click .. "50000.00" .. "1" .. "2025-01-15 10:30:05", "1d81c2d48312c4c08e1c30ac3ed8ce57" },
}
local failed = 0
for _, vector in ipairs(vectors) do
  local got = md5(vector[1])
  if got ~= vector[2] then
    failed = failed + 1
    io.write(string.format("MISMATCH len=%d got=%s want=%s\n", #vector[1], got, vector[2]))
  end
end
io.write(string.format("md5 vectors: %d checked, %d failed\n", #vectors, failed))
os.exit(failed == 0 and 0 or 1)
