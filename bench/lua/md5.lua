-- MD5 (RFC 1321) in LuaJIT with the `bit` library: Click signs every callback with it
-- (PROVIDERS.md 1.3), so the load scripts compute the sign per request like Click does.
local bit = require("bit")
local band, bor, bxor, bnot = bit.band, bit.bor, bit.bxor, bit.bnot
local rol, tobit, tohex, bswap = bit.rol, bit.tobit, bit.tohex, bit.bswap
local byte, char, rep, format = string.byte, string.char, string.rep, string.format

local S = {
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
  5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
}
local K = {}
for i = 0, 63 do
  K[i] = tobit(math.floor(math.abs(math.sin(i + 1)) * 2 ^ 32) % 2 ^ 32)
end

local function block(state, text, offset)
  local x = {}
  for j = 0, 15 do
    local b1, b2, b3, b4 = byte(text, offset + j * 4 + 1, offset + j * 4 + 4)
    x[j] = bor(b1, bit.lshift(b2, 8), bit.lshift(b3, 16), bit.lshift(b4, 24))
  end
  local a, b, c, d = state[1], state[2], state[3], state[4]
  for i = 0, 63 do
    local f, g
    if i < 16 then
      f, g = bor(band(b, c), band(bnot(b), d)), i
    elseif i < 32 then
      f, g = bor(band(d, b), band(bnot(d), c)), (5 * i + 1) % 16
    elseif i < 48 then
      f, g = bxor(b, c, d), (3 * i + 5) % 16
    else
      f, g = bxor(c, bor(b, bnot(d))), (7 * i) % 16
    end
    local sum = tobit(a + f + K[i] + x[g])
    a, d, c = d, c, b
    b = tobit(b + rol(sum, S[i + 1]))
  end
  state[1] = tobit(state[1] + a)
  state[2] = tobit(state[2] + b)
  state[3] = tobit(state[3] + c)
  state[4] = tobit(state[4] + d)
end

local function le_word(n)
  return char(band(n, 255), band(bit.rshift(n, 8), 255), band(bit.rshift(n, 16), 255),
    band(bit.rshift(n, 24), 255))
end

-- md5(text) -> lowercase hex digest of the bytes of `text`.
local function md5(text)
  local length = #text
  local padding = 56 - (length + 1) % 64
  if padding < 0 then
    padding = padding + 64
  end
  local bits = length * 8
  text = text .. "\128" .. rep("\0", padding)
    .. le_word(tobit(bits % 2 ^ 32)) .. le_word(tobit(math.floor(bits / 2 ^ 32)))
  local state = { tobit(0x67452301), tobit(0xefcdab89), tobit(0x98badcfe), tobit(0x10325476) }
  for offset = 0, #text - 1, 64 do
    block(state, text, offset)
  end
  return tohex(bswap(state[1])) .. tohex(bswap(state[2])) .. tohex(bswap(state[3]))
    .. tohex(bswap(state[4]))
end

return md5
