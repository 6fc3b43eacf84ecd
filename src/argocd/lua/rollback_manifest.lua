-- rollpin.dev RollbackManifest, as src/health/builtin/rollback_manifest.rs assesses it.
local function rm_describe(d)
  local s = text(d.kind) .. " "
  if type(d.namespace) == "string" and d.namespace ~= "" then
    s = s .. d.namespace .. "/"
  end
  s = s .. text(d.name)
  if type(d.container) == "string" and d.container ~= "" then
    s = s .. " container " .. d.container
  end
  if type(d.path) == "string" and d.path ~= "" then
    s = s .. " field " .. d.path
  end
  local function side(v)
    if v == nil then
      return "absent"
    end
    return text(v)
  end
  return s .. ": " .. text(d.field) .. " " .. side(d.expected) .. " \226\134\146 " .. side(d.actual)
end

local function rollback_manifest(obj)
  local status = obj.status or {}
  local drift = status.drift or {}
  if #drift > 0 then
    local parts = {}
    for i = 1, #drift do
      if i > 3 then
        parts[#parts + 1] = "and " .. fmtnum(#drift - 3) .. " more"
        break
      end
      parts[#parts + 1] = rm_describe(drift[i])
    end
    return {status = "Degraded", message = "Live state differs from the release: " .. table.concat(parts, "; ")}
  end
  local verified = nil
  for _, c in ipairs(status.conditions or {}) do
    if c.type == "Verified" then
      verified = c
      break
    end
  end
  if verified ~= nil and verified.status == "True" then
    return {status = "Healthy", message = "Live state matches the release"}
  elseif verified ~= nil and verified.status == "False" then
    local detail = {}
    if type(verified.reason) == "string" and verified.reason ~= "" then
      detail[#detail + 1] = verified.reason
    end
    if type(verified.message) == "string" and verified.message ~= "" then
      detail[#detail + 1] = verified.message
    end
    if #detail == 0 then
      return {status = "Degraded", message = "Verification against the live state failed"}
    end
    return {status = "Degraded", message = "Verification against the live state failed: " .. table.concat(detail, ": ")}
  end
  if verified ~= nil then
    return {status = "Progressing", message = "Waiting for verification against the live state"}
  end
  return {status = "Healthy", message = "Release recorded; not verified against the live state"}
end
