// Scans sent by wrk (a C load generator, as pgbench is a C client) instead of autocannon, which
// runs in the bench's own Node process and costs the two cores several times what pgbench's client
// costs per transaction (BENCH_LOADER=wrk; docs/BENCHMARKS.md, "A C load generator"). Each code
// is sent once, in order, by one wrk thread over the connections; every answer is checked in
// wrk's Lua (a 200 whose body says "admitted"), as autocannon's are.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand } from "./util.mjs";

const SCRIPT = `
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } wrk_timespec;
int clock_gettime(int clock, wrk_timespec *now);
]]
local clock = ffi.new("wrk_timespec")
local function now()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) / 1e9
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  bodies = {}
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  headers = { ["Authorization"] = "Bearer " .. args[2], ["Content-Type"] = "application/json" }
  sent, admitted, bad, first, last = 0, 0, 0, now(), 0
end
function request()
  if sent < #bodies then
    sent = sent + 1
    return wrk.format("POST", "/api/scans/", headers, bodies[sent])
  end
  -- Past the last code: a body the API refuses (422) before it reads or changes anything, so no
  -- code is sent twice; its answer is not counted, and the thread stops.
  wrk.thread:stop()
  return wrk.format("POST", "/api/scans/", headers, "{}")
end
function response(status, _, body)
  if status == 422 and sent >= #bodies then return end
  last = now()
  if status == 200 and body:find('"result":"admitted"', 1, true) then
    admitted = admitted + 1
  else
    bad = bad + 1
  end
end
function done(summary, latency)
  local s, a, b, f, l = 0, 0, 0, math.huge, 0
  for _, t in ipairs(threads) do
    s = s + t:get("sent"); a = a + t:get("admitted"); b = b + t:get("bad")
    f = math.min(f, t:get("first")); l = math.max(l, t:get("last"))
  end
  io.write(string.format("WRK_RESULT %d %d %d %.6f %.3f %.3f %.3f\\n", s, a, b, l - f,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.mean / 1000))
end
`;

/**
 * wrk sending `codes` (each once) to `url` + /api/scans/ with `token` over `connections`, for
 * `seconds` or until the codes run out. Resolves to what the gate bench's autocannon load
 * resolves to: rate, elapsed, responses, p50/p99/avg (ms), admitted, bad, sent.
 */
export async function wrkScanLoad({ url, token, codes, connections, seconds }) {
  const dir = mkdtempSync(join(tmpdir(), "concert-wrk-"));
  try {
    const bodies = join(dir, "bodies.jsonl");
    const script = join(dir, "scan.lua");
    writeFileSync(
      bodies,
      `${codes
        .map((code) => JSON.stringify({ qr_data: code, scan_type: "entry_check", gate: "A" }))
        .join("\n")}\n`,
    );
    writeFileSync(script, SCRIPT);
    const args = ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", "-s", script, url];
    const output = await runCommand("wrk", [...args, "--", bodies, token]);
    const line = /^WRK_RESULT (.*)$/m.exec(output)?.[1];
    if (!line) throw new Error(`wrk printed no result:\n${output}`);
    // elapsed: from the thread's start to its last counted answer, as autocannon's rows count.
    const [sent, admitted, bad, elapsed, p50, p99, avg] = line.split(" ").map(Number);
    const errors = /Socket errors: (.*)$/m.exec(output)?.[1];
    const responses = admitted + bad;
    return {
      rate: responses / elapsed,
      elapsed,
      responses,
      p50,
      p99,
      avg,
      admitted,
      bad,
      statuses: errors ? { [`socket errors: ${errors}`]: 1 } : undefined,
      sent,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
