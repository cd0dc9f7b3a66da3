// pgbench as the benches run it: one SQL script, as many clients as the HTTP runs have
// connections, for a fixed time, every transaction's latency logged. The scan and the purchase
// baselines (bench/pgbench-*.mjs) differ only in their script, variables and database.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { percentile, runCommand } from "./util.mjs";

/**
 * Runs `script` against `url` with `searchPath`, each of `variables` passed as `-D name=value`
 * (arrays as Postgres array literals), at most `rate` transactions a second when given (`-R`). Resolves with pgbench's tps, transaction and failure counts,
 * the average and the p50/p99 latency (ms, from its per-transaction log) and its output.
 */
export async function runPgbenchScript({
  url,
  searchPath,
  script,
  variables,
  clients,
  seconds,
  logDir,
  mode = "prepared",
  rate,
}) {
  const target = new URL(url);
  const args = [
    "-n", // no pgbench tables to vacuum
    "-M",
    mode, // prepared: the services name their statements (the kit's SqlPool), as here
    "-c",
    String(clients),
    "-j",
    String(Math.min(2, clients)),
    "-T",
    String(seconds),
    ...(rate ? ["-R", String(rate)] : []),
    "-f",
    script,
    "-l",
    `--log-prefix=${join(logDir, "pgbench_log")}`,
    ...Object.entries(variables).flatMap(([name, value]) => [
      "-D",
      `${name}=${Array.isArray(value) ? `{${value.join(",")}}` : value}`,
    ]),
    "-h",
    target.hostname,
    "-p",
    target.port || "5432",
    "-U",
    decodeURIComponent(target.username || "postgres"),
    target.pathname.slice(1),
  ];
  const output = await runCommand("pgbench", args, {
    ...process.env,
    PGOPTIONS: `-c search_path=${searchPath}`,
    ...(target.password && { PGPASSWORD: decodeURIComponent(target.password) }),
  });
  const number = (re) => {
    const match = output.match(re);
    return match ? Number(match[1]) : Number.NaN;
  };
  const latencies = readLatencyLog(logDir);
  return {
    tps: number(/tps = ([\d.]+) \(without initial connection time\)/),
    transactions: number(/number of transactions actually processed: (\d+)/),
    failed: number(/number of failed transactions: (\d+)/) || 0,
    latencyAvg: number(/latency average = ([\d.]+) ms/),
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    output,
  };
}

/** Per-transaction latencies (ms) from pgbench's -l logs: the third column is microseconds. */
function readLatencyLog(logDir) {
  const values = [];
  for (const file of readdirSync(logDir)) {
    if (!file.startsWith("pgbench_log")) continue;
    for (const line of readFileSync(join(logDir, file), "utf8").split("\n")) {
      const micros = Number(line.split(" ")[2]);
      if (Number.isFinite(micros) && line) values.push(micros / 1000);
    }
  }
  return values.sort((a, b) => a - b);
}
