import { type Logger, type SqlClient, StatementBatcher } from "@concert/service-kit";
import {
  MARK_SOLD,
  MARK_SOLD_BATCH,
  type MarkSoldBatchRow,
  type MarkSoldParams,
  markSoldBatchParams,
  SALE_RULES,
  type SaleRow,
} from "./sale-sql.js";

/** The box office's sales, batched under load (the kit's StatementBatcher). */
export type BoxOfficeBatcher = StatementBatcher<MarkSoldParams, SaleRow | undefined>;

/** The most sales one statement makes: only bounds the statement's size (one per connection waits). */
const MAX_BATCH = 32;

/**
 * Runs MARK_SOLD, at most `atOnce` statements at a time: sales that arrive while every statement
 * runs are made together in one (MARK_SOLD_BATCH). A batch answers only the tickets it sold; every
 * other sale of it (refused, or in a batch that failed) runs its own statement afterwards, which
 * decides and says why.
 */
export function boxOfficeBatcher(
  sql: SqlClient,
  atOnce: number,
  logger: Pick<Logger, "warn">,
): BoxOfficeBatcher {
  const together = async (sales: MarkSoldParams[]) => {
    const { rows } = await MARK_SOLD_BATCH.run<MarkSoldBatchRow>(
      sql,
      markSoldBatchParams(sales),
      sales.map((sale) => ({ payload: soldPayload(sale), occurredAt: sale.sold_at })),
    );
    return new Map(rows.map(({ ordinal, ...row }) => [Number(ordinal) - 1, row as SaleRow]));
  };
  return new StatementBatcher(
    { name: "sale batch", alone: (sale) => markSoldAlone(sql, sale), together },
    { atOnce, maxBatch: MAX_BATCH, logger },
  );
}

/** One box-office sale on its own statement: on the pool, or in a caller's transaction. */
export async function markSoldAlone(
  db: SqlClient,
  sale: MarkSoldParams,
): Promise<SaleRow | undefined> {
  const { rows } = await MARK_SOLD.run<SaleRow>(db, { ...SALE_RULES, ...sale }, soldPayload(sale));
  return rows[0];
}

/** TicketSold's fields known before the statement; the sold row adds the others (SOLD_FROM_ROW). */
export function soldPayload(sale: { email: string; sold_at: Date }) {
  return {
    status: SALE_RULES.sold_status,
    buyer_email: sale.email,
    sold_at: sale.sold_at.toISOString(),
  };
}
