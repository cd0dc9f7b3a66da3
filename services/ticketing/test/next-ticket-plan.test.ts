import { randomUUID } from "node:crypto";
import { startForFile, withClient } from "@concert/testing";
import { describe, expect, it } from "vitest";
import { PURCHASE_NEXT, SALE_RULES } from "../src/domain/sale-sql.js";
import { startTestTicketing } from "./helper.js";

// A purchase takes "the next unsold ticket" of a concert. On tickets issued moments before, which
// Postgres has no statistics of yet, a plan once read every unsold ticket of the concert and sorted
// them for each purchase: 18 ms of Postgres per sale at 15,000 tickets (docs/BENCHMARKS.md,
// "Sales"). The plan must read them in sale order from an index, whatever the statistics say.
const { service: ticketing, infra } = startForFile(startTestTicketing);

/** Enough that the indexes differ in size: the plan that sorted came with a larger table. */
const TICKETS = 20_000;
/** The API's largest batch. */
const BATCH = 5_000;

type PurchaseStatementParams = Parameters<typeof PURCHASE_NEXT.statement.values>[0];

/** The plan of PURCHASE_NEXT as a prepared statement plans it: per call, or once for any call. */
function purchasePlan(params: PurchaseStatementParams, mode: "custom" | "generic") {
  const { sql, values } = PURCHASE_NEXT.statement;
  return withClient(infra.databaseUrl, async (client) => {
    const literal = (value: unknown) =>
      value === null
        ? "NULL"
        : client.escapeLiteral(
            value instanceof Date
              ? value.toISOString()
              : Array.isArray(value)
                ? `{${value.join(",")}}`
                : String(value),
          );
    await client.query("SET search_path = ticketing");
    await client.query(`SET plan_cache_mode = force_${mode}_plan`);
    await client.query(`PREPARE next_ticket AS ${sql}`);
    const args = values(params).map(literal);
    const { rows } = await client.query(`EXPLAIN EXECUTE next_ticket(${args.join(", ")})`);
    return rows.map((row) => row["QUERY PLAN"]).join("\n");
  });
}

describe("the next ticket a purchase takes", () => {
  it("is read in sale order from an index, never sorted, on tickets issued a moment ago", async () => {
    const concert = await ticketing.concert({ capacity: TICKETS });
    for (let issued = 0; issued < TICKETS; issued += BATCH) {
      const created = await ticketing.call(
        "POST",
        `/api/tickets/batch/create/${concert.concert_id}`,
        ticketing.tokenFor("admin"),
        { quantity: BATCH },
      );
      expect(created.statusCode).toBe(201);
    }
    const params: PurchaseStatementParams = {
      ...SALE_RULES,
      concert_id: concert.concert_id,
      buyer_id: randomUUID(),
      email: "plan@example.com",
      sold_at: new Date(),
      limit_per_buyer: null,
      outbox_id: randomUUID(),
      outbox_subject: "plan",
      outbox_envelope: JSON.stringify({ payload: {} }),
    };
    for (const mode of ["custom", "generic"] as const) {
      const plan = await purchasePlan(params, mode);
      expect(plan, mode).toContain("Index Scan using tickets_next_for_sale_idx on tickets t");
      expect(plan, mode).not.toMatch(/\bSort\b/);
    }
  }, 120_000); // issuing 20,000 tickets on a busy machine
});
