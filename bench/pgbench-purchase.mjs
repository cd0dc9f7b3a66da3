// The raw-database baseline of the self-service purchase: pgbench runs exactly the statement one
// purchase sends (sell-ticket.ts): PURCHASE_NEXT (services/ticketing/src/domain/sale-sql.ts), one
// statement that locks the concert against cancellation, takes the next unsold ticket
// (FOR UPDATE SKIP LOCKED), sells it and writes the TicketSold outbox row (the kit's
// recordEventWith) with its notify, in its implicit transaction: no BEGIN, no COMMIT. It runs
// against a fresh database migrated with ticketing's own migrations, every client buying from the
// same hot concert, as the HTTP run does. The SQL and its rule parameters are ticketing's own,
// imported from its public entry, never copied.
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TicketSold } from "@concert/contracts";
import { applyMigrations } from "@concert/service-kit";
import { withClient, withDatabase } from "@concert/testing";
import { PURCHASE_NEXT, SALE_RULES } from "@concert/ticketing";
import { runPgbenchScript } from "./lib/pgbench.mjs";

/** PURCHASE_NEXT with pgbench variables in place of its parameters (each carries a cast). */
function purchaseStatement() {
  const byName = {
    concert_id: ":concert_id",
    buyer_id: ":buyer_id",
    email: ":email",
    sold_at: ":sold_at", // the service passes its own clock's time
    limit_per_buyer: "NULL", // no limit, the default (MAX_TICKETS_PER_BUYER unset)
    outbox_id: "gen_random_uuid()", // the event id: the service passes the envelope's
    outbox_subject: ":subject",
    outbox_envelope: ":envelope",
    ...Object.fromEntries(Object.keys(SALE_RULES).map((name) => [name, `:${name}`])),
  };
  const { sql, names } = PURCHASE_NEXT.statement;
  const text = sql.replace(/\$(\d+)/g, (_, n) => {
    const value = byName[names[n - 1]];
    if (!value)
      throw new Error(`PURCHASE_NEXT has a parameter :${names[n - 1]} this bench does not know`);
    return value;
  });
  return `${text.trim()};\n`;
}

/**
 * A database of its own, migrated like ticketing's, with one concert per run (`concerts`), each
 * holding `perConcert` unsold tickets, and the buyer's account. Returns what the runs need.
 */
export async function preparePurchaseDatabase({ adminUrl, database, concerts, perConcert }) {
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE "${database}"`));
  const url = withDatabase(adminUrl, database);
  await applyMigrations({
    databaseUrl: url,
    schema: "ticketing",
    prismaDir: new URL("../services/ticketing/prisma", import.meta.url).pathname,
  });
  const concertIds = Array.from({ length: concerts }, () => randomUUID());
  const buyer = { id: randomUUID(), email: "pgbench-buyer@example.com" };
  await withClient(url, async (c) => {
    await c.query(
      "INSERT INTO ticketing.known_users (id, email, full_name) VALUES ($1, $2, 'Pgbench Buyer')",
      [buyer.id, buyer.email],
    );
    for (const [i, concertId] of concertIds.entries()) {
      await c.query(
        `INSERT INTO ticketing.concerts (id, name, starts_at, capacity, ticket_price, status, version, tickets_issued)
         VALUES ($1, 'pgbench concert', now() + interval '30 days', $2, 10, 'scheduled', 1, $2)`,
        [concertId, perConcert],
      );
      // Rows shaped like issued tickets: created in order, as a batch creates them.
      await c.query(
        `INSERT INTO ticketing.tickets (id, concert_id, ticket_number, status, price, created_at, updated_at)
         SELECT gen_random_uuid(), $1::uuid, 'PGB' || $2::int || '-' || k, 'created', 10,
                now() + k * interval '1 microsecond', now()
           FROM generate_series(1, $3::int) k`,
        [concertId, i, perConcert],
      );
    }
    await c.query("VACUUM ANALYZE ticketing.tickets");
  });
  return { url, concertIds, buyer };
}

/** Runs pgbench like autocannon runs: same clients, same duration, one hot concert. */
export async function runPurchasePgbench({ url, concertId, buyer, clients, seconds, logDir }) {
  mkdirSync(logDir, { recursive: true });
  const script = join(logDir, "pgbench-purchase.sql");
  writeFileSync(script, purchaseStatement());
  const soldAt = new Date().toISOString();
  // The envelope Node builds before the statement: the statement adds the sold row's fields.
  const envelope = JSON.stringify({
    id: randomUUID(),
    name: TicketSold.name,
    version: TicketSold.version,
    occurred_at: soldAt,
    payload: { status: SALE_RULES.sold_status, buyer_email: buyer.email, sold_at: soldAt },
  });
  const variables = {
    concert_id: concertId,
    buyer_id: buyer.id,
    email: buyer.email,
    sold_at: soldAt,
    subject: TicketSold.subject,
    envelope,
    ...SALE_RULES,
  };
  const count = () =>
    withClient(url, async (c) => {
      const { rows } = await c.query(
        "SELECT count(*)::int AS n FROM ticketing.tickets WHERE concert_id = $1 AND status = 'sold'",
        [concertId],
      );
      return rows[0].n;
    });
  const soldBefore = await count();
  const result = await runPgbenchScript({
    url,
    searchPath: "ticketing",
    script,
    variables,
    clients,
    seconds,
    logDir,
  });
  return { ...result, sold: (await count()) - soldBefore };
}
