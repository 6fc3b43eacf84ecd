-- rollpin.dev RollbackPolicy, as src/health/builtin/rollback_policy.rs assesses it (base
-- and table libraries only; the status alone, never the clock).
local RP_PHASES = {"Pending", "Running", "Successful", "Failed", "Error", "Inconclusive"}

local function rp_text(v)
  if type(v) == "string" and v ~= "" then
    return v
  end
  return nil
end

local function rollback_policy(obj)
  local status = obj.status or {}
  local spec = obj.spec or {}
  local phase = status.phase
  if phase ~= nil then
    local known = false
    for _, p in ipairs(RP_PHASES) do
      if phase == p then
        known = true
      end
    end
    if not known then
      local expected = {}
      for i, p in ipairs(RP_PHASES) do
        expected[i] = "`" .. p .. "`"
      end
      return {status = "Unknown", message = "failed to convert unstructured RollbackPolicy to typed: " ..
        "status.phase: unknown variant `" .. text(phase) .. "`, expected one of " .. table.concat(expected, ", ")}
    end
  end
  local app = rp_text(spec.app) or "the app"
  local release = "the watched release"
  if rp_text(status.observedRevision) ~= nil then
    release = "release " .. status.observedRevision
  end
  local invalid = false
  for _, c in ipairs(status.conditions or {}) do
    if rp_text(c.type) == "Valid" and rp_text(c.status) == "False" then
      invalid = true
    end
  end
  local metric_error = false
  for _, r in ipairs(status.metricResults or {}) do
    if rp_text(r.phase) == "Error" then
      metric_error = true
    end
  end
  local request = rp_text(status.rollbackRequest)
  local code, fallback
  if invalid then
    code, fallback = "Degraded", app .. ": the policy is invalid"
  elseif request ~= nil then
    code, fallback = "Degraded", app .. ": " .. release .. " was rolled back by RollbackRequest " .. request
  elseif phase == "Failed" then
    code, fallback = "Degraded", app .. ": " .. release .. " failed its SLOs"
  elseif phase == "Error" or metric_error then
    code, fallback = "Degraded", app .. ": metrics of " .. release .. " errored"
  elseif phase == "Inconclusive" then
    code, fallback = "Suspended", app .. ": " .. release .. " is inconclusive; a person must decide"
  elseif phase == "Successful" then
    code, fallback = "Healthy", app .. ": " .. release .. " passed its SLOs"
  elseif rp_text(status.observedRevision) ~= nil then
    code, fallback = "Progressing", app .. ": watching " .. release
  else
    code, fallback = "Progressing", "Waiting for a successful sync of " .. app
  end
  return {status = code, message = rp_text(status.message) or fallback}
end
