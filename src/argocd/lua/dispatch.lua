-- Group and kind of `obj` and rollpin's glob (`*` any run, `?` one character), for scripts
-- that choose between rules at run time (they need useOpenLibs: string).
local function obj_group_kind(obj)
  local av, kind = obj.apiVersion, obj.kind
  if type(av) ~= "string" or type(kind) ~= "string" then
    return "", ""
  end
  local slash = string.find(av, "/", 1, true)
  if slash == nil then
    return "", kind
  end
  if string.find(av, "/", slash + 1, true) then
    return "", ""
  end
  return string.sub(av, 1, slash - 1), kind
end

local function glob(p, t)
  local pi, ti, sp, st = 1, 1, nil, nil
  while ti <= #t do
    local pc = string.sub(p, pi, pi)
    if pi <= #p and (pc == "?" or pc == string.sub(t, ti, ti)) then
      pi, ti = pi + 1, ti + 1
    elseif pi <= #p and pc == "*" then
      sp, st = pi, ti
      pi = pi + 1
    elseif sp ~= nil then
      st = st + 1
      pi, ti = sp + 1, st
    else
      return false
    end
  end
  while pi <= #p do
    if string.sub(p, pi, pi) ~= "*" then
      return false
    end
    pi = pi + 1
  end
  return true
end
