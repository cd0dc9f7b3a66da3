// Small helpers of the benchmarks: HTTP calls for seeding, retries, settings, printing.
import { spawn } from "node:child_process";

export async function api(baseUrl, method, path, token, body) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

export async function login(baseUrl, { email, password }) {
  return (await api(baseUrl, "POST", "/api/auth/login", null, { email, password })).access_token;
}

export async function inParallel(items, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Calls fn until it resolves or timeoutMs passed (then its last error). */
export async function eventually(fn, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}

export function positiveInt(value, fallback) {
  const number = Number(value);
  return Number.isInteger(number) && number > 0 ? number : fallback;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function seconds(since) {
  return ((Date.now() - since) / 1000).toFixed(1);
}

/** The median of the finite values (the mean of the middle two for an even count). */
export function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const m = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

export function percentile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** A table with the first column left-aligned and the others right-aligned. */
export function printTable(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
  const line = (row) =>
    row
      .map((cell, i) =>
        i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]),
      )
      .join("  ");
  console.log(`\n${line(rows[0])}`);
  for (const row of rows.slice(1)) console.log(line(row));
}

/**
 * Runs a bench's `main`: a crash is printed as "bench failed" (then `onFailure`, e.g. the
 * services' logs) and sets exit code 1; `cleanup` runs either way.
 */
export async function runBench(main, cleanup, onFailure = () => {}) {
  try {
    await main();
  } catch (error) {
    console.error(`\nbench failed: ${error.stack ?? error}`);
    onFailure();
    process.exitCode = 1;
  } finally {
    await cleanup();
  }
}

/** Runs a command to its end: what it printed (stdout and stderr); rejects on a non-zero exit. */
export function runCommand(command, args, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} exited ${code}:\n${output}`)),
    );
  });
}
