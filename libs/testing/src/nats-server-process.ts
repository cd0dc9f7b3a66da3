import { type ChildProcess, spawn } from "node:child_process";
import { constants } from "node:fs";
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";

/**
 * A nats-server of a test's own, for tests that take the broker away (the shared one must stay up
 * for everyone else). `stop()` and `start()` keep the port and JetStream store directory, so
 * streams and their messages survive the outage just as they would in production.
 */
export interface NatsServerProcess {
  url: string;
  port: number;
  storeDir: string;
  /** Starts the server again after `stop()`; resolves once it accepts clients. */
  start(): Promise<void>;
  /** Terminates the server (SIGKILL: an abrupt outage) and waits for it to exit. */
  stop(): Promise<void>;
  /** Stops the server if running and deletes its store directory. */
  dispose(): Promise<void>;
}

export interface NatsServerProcessOptions {
  /** Defaults to $NATS_SERVER_BIN or /usr/sbin/nats-server. */
  binary?: string;
  port?: number;
  /** How long to wait for "Server is ready". Default 10 s. */
  readyTimeoutMs?: number;
}

export async function startNatsServerProcess(
  opts: NatsServerProcessOptions = {},
): Promise<NatsServerProcess> {
  const binary = opts.binary ?? process.env.NATS_SERVER_BIN ?? "/usr/sbin/nats-server";
  try {
    await access(binary, constants.X_OK);
  } catch {
    throw new Error(
      `nats-server binary not found or not executable at ${binary}: install it (Debian: apt-get install nats-server) or set NATS_SERVER_BIN`,
    );
  }
  const port = opts.port ?? (await freePort());
  const storeDir = await mkdtemp(join(tmpdir(), "nats-test-"));
  const readyTimeoutMs = opts.readyTimeoutMs ?? 10_000;
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    if (child) throw new Error("nats-server is already running");
    child = await spawnReady(
      binary,
      ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir],
      readyTimeoutMs,
    );
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running) await killAndWait(running);
  };

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    start,
    stop,
    async dispose() {
      await stop();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}

/** Spawns the server and resolves when it logs that it is ready (JetStream included). */
function spawnReady(binary: string, args: string[], timeoutMs: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const fail = (reason: string) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`nats-server ${args.join(" ")}: ${reason}\n${output}`));
    };
    const timer = setTimeout(() => fail(`not ready after ${timeoutMs} ms`), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Server is ready")) {
        clearTimeout(timer);
        child.stdout?.removeAllListeners("data");
        child.stderr?.removeAllListeners("data");
        // Keep draining the pipes so a chatty server never blocks on a full buffer.
        child.stdout?.resume();
        child.stderr?.resume();
        child.removeAllListeners("exit");
        resolve(child);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("error", (err) => fail(err.message));
    child.once("exit", (code, signal) => fail(`exited early (code ${code}, signal ${signal})`));
  });
}

function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}
