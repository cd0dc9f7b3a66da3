import type { SqlClient } from "@concert/service-kit";
import {
  PURCHASE_HELD,
  PURCHASE_NEXT,
  type PurchaseParams,
  SALE_RULES,
  type SaleRow,
  soldPayload,
} from "./sale-sql.js";

/**
 * Where a statement runs: on the pool (each statement its own transaction), or in a transaction
 * the caller opened (an Idempotency-Key's, or the per-buyer limit's).
 */
export type Within = "pool" | "transaction";

/**
 * One buyer's purchase on its own: PURCHASE_NEXT takes a ticket no one holds; when others held
 * every unsold one, PURCHASE_HELD waits for one, never in the transaction that skipped them. On
 * the pool the first statement has committed by then; in a transaction, a savepoint taken before
 * it is rolled back to, which releases every lock it took (docs/DECISIONS.md, "A purchase waits in
 * a statement of its own").
 */
export async function purchaseAlone(
  db: SqlClient,
  sale: PurchaseParams,
  within: Within,
): Promise<SaleRow | undefined> {
  // No property added to an object a spread began: ~1 µs each on Node 20 (docs/DECISIONS.md).
  const params = Object.assign({}, SALE_RULES, sale);
  const payload = soldPayload(sale);
  if (within === "transaction") await db.$executeRawUnsafe("SAVEPOINT purchase_next");
  const first = (await PURCHASE_NEXT.run<SaleRow>(db, params, payload)).rows[0];
  if (!first?.others_hold) return first;
  if (within === "transaction") await db.$executeRawUnsafe("ROLLBACK TO SAVEPOINT purchase_next");
  return (await PURCHASE_HELD.run<SaleRow>(db, params, payload)).rows[0];
}
