// The consumer of bench/event-consumer.bench.mjs, in a process of its own so that its CPU is the
// consumer's alone. It loads the service kit from KIT_DIR (this tree's build, or another one to
// compare) and runs one EventConsumer with one projection of TicketScanned, shaped as refunds'
// and transfers' admissions (an upsert per ticket from a batch), on a pooled `SqlPool` as a
// service's projections run.
//
// Messages to the parent: { ready } once consuming. SIGTERM stops the consumer and exits.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { TicketScanned } from "@concert/contracts";
import pg from "pg";
import { pino } from "pino";

const env = process.env;
const kit = await import(pathToFileURL(join(env.KIT_DIR, "dist/index.js")).href);

const pool = new pg.Pool({
  connectionString: env.DATABASE_URL,
  max: 8,
  application_name: "consumer",
});
const sql = new kit.SqlPool(pool);
const nc = await kit.connectNats({ servers: env.NATS_URL, name: "consumer bench" });

const copies = kit.projectionFor(TicketScanned, {
  columns: {
    ticket_id: { type: "uuid", of: (p) => p.ticket_id },
    concert_id: { type: "uuid", of: (p) => p.concert_id },
    scanned_at: { type: "timestamptz", of: (p) => p.scanned_at },
  },
  apply: `
INSERT INTO copies AS t (ticket_id, concert_id, admitted_at)
SELECT DISTINCT ON (ticket_id) ticket_id, concert_id, scanned_at
  FROM fresh ORDER BY ticket_id, scanned_at
ON CONFLICT (ticket_id) DO UPDATE SET admitted_at = COALESCE(t.admitted_at, EXCLUDED.admitted_at)`,
});

const consumer = new kit.EventConsumer({
  service: "bench",
  nats: nc,
  subjectPrefix: env.CONSUMER_PREFIX,
  // Required by the consumer, never called: a projection runs on `db`, one statement a batch.
  transaction: () => {
    throw new Error("the consumer bench runs a projection only");
  },
  db: sql,
  handlers: [copies],
  concurrency: 4,
  logger: pino({ level: "warn" }),
});
await consumer.start();
process.send({ ready: true });

process.once("SIGTERM", async () => {
  await consumer.stop();
  await nc.close();
  await pool.end();
  process.exit(0);
});
