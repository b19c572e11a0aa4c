-- The RPM oracle of tests/interop/versions.sh, run inside rpm (`rpm --eval "%{lua: ...}"`):
-- rpm 4.18's own rpm.vercmp (rpmverParse + rpmverCmp), one rpm process for every pair.
-- Reads the file named by the environment variable PAIRS (`a<TAB>b<TAB>...` lines), writes
-- `a<TAB>b<TAB>verdict` lines to the file named by OUT; verdict `<`, `=`, `>`, or `!a`, `!b`,
-- `!ab` for versions rpm refuses.
local out = assert(io.open(os.getenv("OUT"), "w"))
local function ok(v)
  return (pcall(rpm.vercmp, v, v))
end
for line in io.lines(os.getenv("PAIRS")) do
  local a, b = line:match("^([^\t]*)\t([^\t]*)")
  if a then
    local good, c = pcall(rpm.vercmp, a, b)
    local verdict
    if good then
      verdict = (c < 0 and "<") or (c > 0 and ">") or "="
    else
      local oa, ob = ok(a), ok(b)
      verdict = (not oa and not ob and "!ab") or (not oa and "!a") or "!b"
    end
    out:write(a, "\t", b, "\t", verdict, "\n")
  end
end
out:close()
