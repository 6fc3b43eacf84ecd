-- Generic conditions (kstatus), as src/health/generic.rs computes them, with apimachinery's
-- error texts for fields of the wrong type.
local function go_kind(v)
  local t = type(v)
  if v == nil then
    return "invalid"
  elseif t == "boolean" then
    return "bool"
  elseif t == "number" then
    if v % 1 == 0 then
      return "int64"
    end
    return "float64"
  elseif t == "string" then
    return "string"
  elseif is_array(v) then
    return "slice"
  end
  return "map"
end

local function go_type(v)
  local k = go_kind(v)
  if k == "invalid" then
    return "<nil>"
  elseif k == "slice" then
    return "[]interface {}"
  elseif k == "map" then
    return "map[string]interface {}"
  end
  return k
end

local go_value
go_value = function(v)
  local k = go_kind(v)
  if k == "invalid" then
    return "<nil>"
  elseif k == "slice" then
    local parts = {}
    for i = 1, #v do
      parts[i] = go_value(v[i])
    end
    return "[" .. table.concat(parts, " ") .. "]"
  elseif k == "map" then
    local parts = {}
    for i, key in ipairs(sorted_keys(v)) do
      parts[i] = key .. ":" .. go_value(v[key])
    end
    return "map[" .. table.concat(parts, " ") .. "]"
  elseif k == "int64" then
    return fmtnum(v)
  end
  return tostring(v)
end

local function json_path(steps)
  local s = ""
  for _, p in ipairs(steps) do
    s = s .. "." .. p
  end
  return s
end

-- unstructured.NestedFieldNoCopy: value (nil when absent), or an error text.
local function nested(v, steps)
  local cur = v
  for i, key in ipairs(steps) do
    if cur == nil then
      return nil, nil
    end
    if type(cur) ~= "table" or is_array(cur) then
      local upto = {}
      for j = 1, i do
        upto[j] = steps[j]
      end
      return nil, json_path(upto) .. " accessor error: " .. go_value(cur) .. " is of the type " ..
        go_type(cur) .. ", expected map[string]interface{}"
    end
    cur = cur[key]
  end
  return cur, nil
end

local function generic_int(obj, steps, what)
  local v, err = nested(obj, steps)
  if err ~= nil then
    return nil, "looking up " .. what .. " from resource: " .. err
  end
  if v == nil then
    return nil, nil
  end
  if type(v) == "number" and v % 1 == 0 then
    return v, nil
  end
  return nil, "looking up " .. what .. " from resource: " .. json_path(steps) .. " accessor error: " ..
    go_value(v) .. " is of the type " .. go_type(v) .. ", expected int64"
end

local function generic_field(c, key, go_name)
  local v = c[key]
  if v == nil then
    return "", nil
  elseif type(v) == "string" then
    return v, nil
  elseif type(v) == "number" and v % 1 == 0 then
    return nil, "cannot convert int64 to " .. go_name
  end
  return nil, "unrecognized type: string"
end

local function generic_conditions(obj)
  local status = obj.status
  if status == nil then
    return {}, nil
  end
  if type(status) ~= "table" or is_array(status) then
    return nil, "cannot restore struct from: " .. go_kind(status)
  end
  local list = status.conditions
  if list == nil then
    return {}, nil
  end
  if type(list) ~= "table" or (next(list) ~= nil and not is_array(list)) then
    return nil, "cannot restore slice from " .. go_kind(list)
  end
  local out = {}
  for i = 1, #list do
    local item = list[i]
    if type(item) ~= "table" or is_array(item) then
      return nil, "cannot restore struct from: " .. go_kind(item)
    end
    local c, err = {}, nil
    c.type, err = generic_field(item, "type", "string")
    if err ~= nil then
      return nil, err
    end
    c.status, err = generic_field(item, "status", "v1.ConditionStatus")
    if err ~= nil then
      return nil, err
    end
    local _, rerr = generic_field(item, "reason", "string")
    if rerr ~= nil then
      return nil, rerr
    end
    c.message, err = generic_field(item, "message", "string")
    if err ~= nil then
      return nil, err
    end
    out[#out + 1] = c
  end
  return out, nil
end

local function generic(obj)
  local deletion, derr = nested(obj, {"metadata", "deletionTimestamp"})
  if derr ~= nil then
    return {status = "Unknown", message = "looking up metadata.deletionTimestamp from resource: " .. derr}
  end
  if deletion ~= nil and type(deletion) ~= "string" then
    return {status = "Unknown", message = "looking up metadata.deletionTimestamp from resource: " ..
      ".metadata.deletionTimestamp accessor error: " .. go_value(deletion) .. " is of the type " ..
      go_type(deletion) .. ", expected string"}
  end
  if deletion ~= nil and deletion ~= "" then
    return {status = "Progressing", message = "Resource scheduled for deletion"}
  end
  local generation, gerr = generic_int(obj, {"metadata", "generation"}, "metadata.generation")
  if gerr ~= nil then
    return {status = "Unknown", message = gerr}
  end
  if generation ~= nil then
    local observed, oerr = generic_int(obj, {"status", "observedGeneration"}, "status.observedGeneration")
    if oerr ~= nil then
      return {status = "Unknown", message = oerr}
    end
    if observed ~= nil and observed ~= generation then
      return {status = "Progressing", message = text(obj.kind) .. " generation is " .. fmtnum(generation) ..
        ", but latest observed generation is " .. fmtnum(observed)}
    end
  end
  local conditions, cerr = generic_conditions(obj)
  if cerr ~= nil then
    return {status = "Unknown", message = cerr}
  end
  for _, c in ipairs(conditions) do
    if c.type == "Reconciling" and c.status == "True" then
      return {status = "Progressing", message = c.message}
    end
    if c.type == "Stalled" and c.status == "True" then
      return {status = "Degraded", message = c.message}
    end
  end
  for _, c in ipairs(conditions) do
    if c.type == "Ready" then
      if c.status == "True" then
        return {status = "Healthy", message = "Resource is Ready"}
      elseif c.status == "False" or c.status == "Unknown" then
        return {status = "Progressing", message = c.message}
      end
    end
  end
  return {status = "Healthy", message = "Resource is current"}
end
