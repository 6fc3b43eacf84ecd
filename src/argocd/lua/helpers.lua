-- Helpers shared by every script: JSONPath selection over `obj` (names, indices, *,
-- filters), the rules' comparisons, and message text as rollpin renders it. They use only
-- Lua 5.1's base and table libraries (`string` only when it is open, see json_string).
local NULL = {}
local DIGITS = {[0] = "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

local function is_array(t)
  return t[1] ~= nil
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do
    keys[#keys + 1] = k
  end
  table.sort(keys)
  return keys
end

-- Integers as Rust and Go print them (tostring gives %.14g in PUC Lua: 1e+15).
local function fmtnum(n)
  if n % 1 == 0 and n > -9007199254740992 and n < 9007199254740992 then
    if n == 0 then
      return "0"
    end
    local neg = n < 0
    if neg then
      n = -n
    end
    local s = ""
    while n > 0 do
      local d = n % 10
      s = DIGITS[d] .. s
      n = (n - d) / 10
    end
    if neg then
      s = "-" .. s
    end
    return s
  end
  return tostring(n)
end

local ESCAPES = {["\""] = "\\\"", ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r",
  ["\t"] = "\\t", ["\008"] = "\\b", ["\012"] = "\\f"}

-- A JSON string; escaping needs the string library (open with useOpenLibs only).
local function json_string(s)
  if string ~= nil then
    s = string.gsub(s, "[%z\001-\031\"\\]", function(c)
      return ESCAPES[c] or string.format("\\u%04x", string.byte(c))
    end)
  end
  return "\"" .. s .. "\""
end

local json
json = function(v)
  local t = type(v)
  if v == nil or v == NULL then
    return "null"
  elseif t == "string" then
    return json_string(v)
  elseif t == "number" then
    return fmtnum(v)
  elseif t == "table" then
    local parts = {}
    if is_array(v) then
      for i = 1, #v do
        parts[i] = json(v[i])
      end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    for i, k in ipairs(sorted_keys(v)) do
      parts[i] = json_string(k) .. ":" .. json(v[k])
    end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  return tostring(v)
end

-- A selected value in a message: strings as they are, numbers and booleans as JSON
-- writes them, objects and lists as compact JSON, nothing for nil.
local function text(v)
  local t = type(v)
  if v == nil or v == NULL then
    return ""
  elseif t == "string" then
    return v
  elseif t == "number" then
    return fmtnum(v)
  elseif t == "boolean" then
    return tostring(v)
  end
  return json(v)
end

local function children(node, out)
  if is_array(node) then
    for i = 1, #node do
      out[#out + 1] = node[i]
    end
  else
    for _, k in ipairs(sorted_keys(node)) do
      out[#out + 1] = node[k]
    end
  end
end

local function apply(node, s, out)
  if type(node) ~= "table" or node == NULL then
    return
  end
  local kind = s[1]
  if kind == "n" then
    local v = node[s[2]]
    if v ~= nil then
      out[#out + 1] = v
    end
  elseif kind == "i" then
    local i = s[2]
    if i < 0 then
      i = #node + i
    end
    if i >= 0 and node[i + 1] ~= nil then
      out[#out + 1] = node[i + 1]
    end
  elseif kind == "w" then
    children(node, out)
  else
    local all = {}
    children(node, all)
    for _, c in ipairs(all) do
      if s[2](c) then
        out[#out + 1] = c
      end
    end
  end
end

-- The values a path (a list of segments, each a list of selectors) selects.
local function sel(root, path)
  local nodes = {root}
  for _, seg in ipairs(path) do
    local out = {}
    for _, node in ipairs(nodes) do
      for _, s in ipairs(seg) do
        apply(node, s, out)
      end
    end
    nodes = out
  end
  return nodes
end

-- `@.a[0].b` inside a filter.
local function q(node, steps)
  for _, k in ipairs(steps) do
    if type(node) ~= "table" or node == NULL then
      return nil
    end
    if type(k) == "number" then
      if k < 0 then
        k = #node + k
      end
      if k < 0 then
        return nil
      end
      node = node[k + 1]
    else
      node = node[k]
    end
  end
  return node
end

local function deep_eq(a, b)
  if type(a) ~= type(b) then
    return false
  elseif type(a) == "table" then
    return json(a) == json(b)
  end
  return a == b
end

-- Filter comparisons (RFC 9535): absent equals absent; < only between numbers or strings.
local function feq(a, b)
  if a == NULL then
    a = nil
  end
  if b == NULL then
    b = nil
  end
  if a == nil or b == nil then
    return a == nil and b == nil
  end
  return deep_eq(a, b)
end

local function flt(a, b)
  local ta, tb = type(a), type(b)
  if ta == tb and (ta == "number" or ta == "string") then
    return a < b
  end
  return false
end

local function fle(a, b)
  return flt(a, b) or feq(a, b)
end

-- The rules' operators (src/health/rules/mod.rs Condition::holds).
local function same(a, b)
  if a == nil or b == nil or a == NULL or b == NULL then
    return false
  end
  return deep_eq(a, b)
end

local function operand(obj, o)
  if o.path ~= nil then
    return sel(obj, o.path)[1]
  end
  return o.lit
end

local function op_exists(obj, path, want)
  return (#sel(obj, path) > 0) == want
end

local function op_equals(obj, path, o)
  local x = operand(obj, o)
  if x == nil then
    return false
  end
  for _, v in ipairs(sel(obj, path)) do
    if same(v, x) then
      return true
    end
  end
  return false
end

local function op_in(obj, path, list)
  for _, v in ipairs(sel(obj, path)) do
    for _, x in ipairs(list) do
      if same(v, x) then
        return true
      end
    end
  end
  return false
end

local function op_compare(obj, path, o, less)
  local limit = operand(obj, o)
  if type(limit) ~= "number" then
    return false
  end
  for _, v in ipairs(sel(obj, path)) do
    if type(v) == "number" and ((less and v < limit) or (not less and v > limit)) then
      return true
    end
  end
  return false
end

local function first_text(obj, path)
  return text(sel(obj, path)[1])
end
