import { startForFile } from "@concert/testing";
import type pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { claimBatchSql } from "../../src/events/index.js";
import { openEventTestBed } from "./support.js";

// After a burst (100,000 tickets issued at once) the outbox's statistics still described a
// near-empty table, and the relay's claim read every pending row and sorted them: 411 ms a claim,
// ~230 events relayed a second (docs/BENCHMARKS.md, "Event lag"). The claim must walk the pending
// index in order and stop after a batch, whatever the statistics say.
const { service: bed } = startForFile((run) =>
  openEventTestBed(run, { name: "outbox-claim-plan-test", poolSize: 2 }),
);
let pool: pg.Pool;
beforeAll(() => {
  pool = bed.pool;
});

/** What the claim's SELECT would do, after the statements that come before it in its message. */
async function claimPlan(): Promise<string> {
  const statements = claimBatchSql(100)
    .split(";")
    .map((statement) => statement.trim());
  const select = statements.pop() ?? "";
  const client = await pool.connect();
  try {
    for (const statement of statements) await client.query(statement);
    const { rows } = await client.query(`EXPLAIN ${select}`);
    await client.query("ROLLBACK");
    return rows.map((row) => row["QUERY PLAN"]).join("\n");
  } finally {
    client.release();
  }
}

describe("the relay's claim", () => {
  it("walks the pending index in order, never sorting, on a burst the statistics have not seen", async () => {
    // Never analyzed, as after a burst on a server whose autovacuum has not come round: 60,000
    // rows of an event's size (the planner's guess grows with the table's pages), the older half
    // already published (dead entries at the head of the pending index).
    await pool.query(`
      INSERT INTO outbox_events (id, subject, envelope, created_at)
      SELECT gen_random_uuid(), 'evt.probe', jsonb_build_object('payload', repeat('x', 900)),
             now() - make_interval(secs => 60000 - i)
        FROM generate_series(1, 60000) AS i`);
    await pool.query(`
      UPDATE outbox_events SET published_at = now()
       WHERE created_at < now() - make_interval(secs => 30000)`);

    const plan = await claimPlan();
    expect(plan).toMatch(/Index Scan using outbox_events_pending_idx/);
    expect(plan).not.toMatch(/Sort/);
  });
});
