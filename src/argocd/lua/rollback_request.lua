-- rollpin.dev RollbackRequest, as src/health/builtin/rollback_request.rs assesses it. The
-- deadline is parsed with string patterns (this script needs useOpenLibs) and compared
-- with os.time().
local os = require("os")
local PHASES = {Pending = true, PreChecking = true, Switching = true, Verifying = true,
  Succeeded = true, Failed = true}

local function rr_unknown(reason)
  return {status = "Unknown", message = "failed to convert unstructured RollbackRequest to typed: " .. reason}
end

local function fdiv(a, b)
  return (a - a % b) / b
end

-- Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
local function days_from_civil(y, m, d)
  if m <= 2 then
    y = y - 1
  end
  local era = fdiv(y, 400)
  local yoe = y - era * 400
  local mp = m + 9
  if m > 2 then
    mp = m - 3
  end
  local doy = fdiv(153 * mp + 2, 5) + d - 1
  local doe = yoe * 365 + fdiv(yoe, 4) - fdiv(yoe, 100) + doy
  return era * 146097 + doe - 719468
end

-- RFC 3339 → seconds since the epoch and the fraction ("", ".5"), or nil.
local function parse_time(s)
  local y, mo, d, h, mi, sec, frac, zone = string.match(s,
    "^(%d%d%d%d)%-(%d%d)%-(%d%d)[Tt](%d%d):(%d%d):(%d%d)(%.?%d*)(.*)$")
  if y == nil or frac == "." then
    return nil
  end
  local offset = 0
  if zone ~= "Z" and zone ~= "z" then
    local sign, oh, om = string.match(zone, "^([+-])(%d%d):(%d%d)$")
    if sign == nil then
      return nil
    end
    offset = (tonumber(oh) * 60 + tonumber(om)) * 60
    if sign == "-" then
      offset = -offset
    end
  end
  local secs = days_from_civil(tonumber(y), tonumber(mo), tonumber(d)) * 86400 +
    tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(sec) - offset
  frac = string.gsub(frac, "0+$", "")
  if frac == "." then
    frac = ""
  end
  return secs, frac
end

local function rollback_request(obj)
  local spec = obj.spec or {}
  local status = obj.status or {}
  local phase = status.phase
  if phase ~= nil and (type(phase) ~= "string" or not PHASES[phase]) then
    return rr_unknown("status.phase: unknown variant `" .. text(phase) ..
      "`, expected one of `Pending`, `PreChecking`, `Switching`, `Verifying`, `Succeeded`, `Failed`")
  end
  local app = "the app"
  if type(spec.app) == "string" and spec.app ~= "" then
    app = spec.app
  end
  local target = "an unnamed release"
  local t = spec.target or {}
  if type(t.manifest) == "string" and t.manifest ~= "" then
    target = "release " .. t.manifest
  elseif type(t.revision) == "string" and t.revision ~= "" then
    target = "revision " .. t.revision
  elseif t.previous == true then
    target = "the previous verified release"
  end
  local function with_detail(m)
    if type(status.message) == "string" and status.message ~= "" then
      return m .. ": " .. status.message
    end
    return m
  end
  local shown = phase or "Pending"
  local finished = phase == "Succeeded" or phase == "Failed"
  -- The spec's deadline, else the one the controller set (its default).
  local deadline, field = spec.deadline, "spec.deadline"
  if deadline == nil then
    deadline, field = status.deadline, "status.deadline"
  end
  if deadline ~= nil and not finished then
    local secs, frac = nil, nil
    if type(deadline) == "string" then
      secs, frac = parse_time(deadline)
    end
    if secs == nil then
      return rr_unknown(field .. ": invalid timestamp " .. text(deadline))
    end
    if os.time() > secs then
      return {status = "Degraded", message = with_detail("Rollback of " .. app .. " to " .. target ..
        " missed its deadline " .. os.date("!%Y-%m-%dT%H:%M:%S", secs) .. frac .. "Z (phase " .. shown .. ")")}
    end
  end
  if phase == nil then
    return {status = "Progressing", message = with_detail(
      "Waiting for the rollback controller to pick up the rollback of " .. app .. " to " .. target)}
  elseif phase == "Pending" then
    return {status = "Progressing", message = with_detail("Rollback of " .. app .. " to " .. target .. " is pending")}
  elseif phase == "PreChecking" then
    return {status = "Progressing", message = with_detail("Checking that " .. target .. " of " .. app ..
      " can be re-applied exactly")}
  elseif phase == "Switching" then
    return {status = "Progressing", message = with_detail("Switching " .. app .. " to " .. target)}
  elseif phase == "Verifying" then
    return {status = "Progressing", message = with_detail("Verifying the live state of " .. app ..
      " against " .. target)}
  elseif phase == "Succeeded" then
    return {status = "Healthy", message = with_detail("Rolled " .. app .. " back to " .. target)}
  end
  return {status = "Degraded", message = with_detail("Rollback of " .. app .. " to " .. target .. " failed")}
end
