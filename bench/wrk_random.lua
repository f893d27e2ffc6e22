-- bench/wrk_random.lua: every request is a path drawn at random from a file (one path a line);
-- the same done() as bench/wrk_report.lua. SEED (default 1) makes the draws repeatable; each
-- wrk thread draws its own sequence from it.
-- Usage: wrk -t2 -c64 -d5s --timeout 10s -s bench/wrk_random.lua http://127.0.0.1:PORT -- PATHS_FILE [SEED]

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "wrk_report.lua")

local threads = 0
function setup(thread)
   threads = threads + 1
   thread:set("thread_no", threads)
end

local reqs, n = {}, 0
function init(args)
   local file = args[1] or error("wrk_random.lua: no paths file (wrk ... URL -- PATHS_FILE [SEED])")
   math.randomseed((tonumber(args[2]) or 1) * 1000 + (thread_no or 0))
   for line in io.lines(file) do
      if line ~= "" then
         n = n + 1
         reqs[n] = wrk.format(nil, line)   -- formatted once: request() only picks one
      end
   end
   if n == 0 then error("wrk_random.lua: " .. file .. " holds no paths") end
end

function request()
   return reqs[math.random(n)]
end
