import pg from "pg";
import { eventually } from "./publish-event.js";

/** Deadlocks Postgres has counted in the observer's database so far. */
export async function deadlocksSoFar(observer: pg.Client): Promise<number> {
  const { rows } = await observer.query(
    "SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()",
  );
  return rows[0].n as number;
}

/**
 * The deadlock count once every other connection to the database has gone: a backend reports its
 * deadlocks to the statistics when it exits, so close the services under test first. A deadlock
 * that a service survived (an undone batch run again item by item) shows only here.
 */
export async function deadlocksOnceIdle(observer: pg.Client): Promise<number> {
  await eventually(async () => {
    const { rows } = await observer.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    return rows[0].n === 0;
  });
  // The exiting backends' reports reach the statistics a moment after they are gone.
  await new Promise((resolve) => setTimeout(resolve, 500));
  await observer.query("SELECT pg_stat_clear_snapshot()");
  return deadlocksSoFar(observer);
}

/** Resolves once some backend waits for a lock the backend `holderPid` holds. */
export async function someoneWaitsOn(observer: pg.Client, holderPid: number): Promise<void> {
  await eventually(async () => {
    const { rows } = await observer.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
      [holderPid],
    );
    return rows[0].n > 0;
  });
}

/** A connection of its own, standing for other work on the rows; `pid` names it in pg_locks. */
export async function rawSession(databaseUrl: string): Promise<pg.Client & { pid: number }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query("SELECT pg_backend_pid() AS pid");
  return Object.assign(client, { pid: rows[0].pid as number });
}
