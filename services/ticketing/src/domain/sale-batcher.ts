import { type Logger, type SqlClient, StatementBatcher } from "@concert/service-kit";
import { purchaseAlone, type Within } from "./purchase-alone.js";
import {
  MARK_SOLD,
  MARK_SOLD_BATCH,
  type MarkSoldParams,
  markSoldBatchParams,
  PURCHASE_NEXT_BATCH,
  type PurchaseParams,
  SALE_RULES,
  type SaleBatchRow,
  type SaleRow,
  soldPayload,
} from "./sale-sql.js";

/** A purchase without a per-buyer limit: the only kind that is batched. */
export type UnlimitedPurchase = Omit<PurchaseParams, "limit_per_buyer">;

/** One sale to make: the box office's specific ticket, or a buyer's next ticket of a concert. */
export type SaleOrder =
  | { kind: "mark_sold"; sale: MarkSoldParams }
  | { kind: "purchase"; sale: UnlimitedPurchase };

/** Ticketing's sales, batched under load (the kit's StatementBatcher). */
export type SaleBatcher = StatementBatcher<SaleOrder, SaleRow | undefined>;

/** The most sales one statement makes: only bounds the statement's size (one per connection waits). */
const MAX_BATCH = 32;

/**
 * Runs the sale statements, at most `atOnce` at a time: sales that arrive while every statement
 * runs are made together, one kind (and, for purchases, one concert) per statement. A batch
 * answers only the tickets it sold; every other sale of it (refused, without a free ticket, or in
 * a batch that failed) runs its own statement afterwards, which decides and says why.
 */
export function saleBatcher(
  sql: SqlClient,
  atOnce: number,
  logger: Pick<Logger, "warn">,
): SaleBatcher {
  const together = async (orders: SaleOrder[]) => {
    const { rows } =
      orders[0]?.kind === "purchase"
        ? await purchasesTogether(
            sql,
            orders.map((order) => order.sale as UnlimitedPurchase),
          )
        : await MARK_SOLD_BATCH.run<SaleBatchRow>(
            sql,
            markSoldBatchParams(orders.map((order) => order.sale as MarkSoldParams)),
            orders.map(({ sale }) => ({ payload: soldPayload(sale), occurredAt: sale.sold_at })),
          );
    return new Map(rows.map(({ ordinal, ...row }) => [Number(ordinal) - 1, row as SaleRow]));
  };
  return new StatementBatcher(
    {
      name: "sale batch",
      alone: (order) => saleAlone(sql, order, "pool"),
      together,
      groupOf: (order) =>
        order.kind === "purchase" ? `purchase ${order.sale.concert_id}` : order.kind,
    },
    { atOnce, maxBatch: MAX_BATCH, logger },
  );
}

function purchasesTogether(sql: SqlClient, purchases: UnlimitedPurchase[]) {
  return PURCHASE_NEXT_BATCH.run<SaleBatchRow>(
    sql,
    {
      concert_id: (purchases[0] as UnlimitedPurchase).concert_id,
      buyer_id_list: purchases.map((purchase) => purchase.buyer_id),
      email_list: purchases.map((purchase) => purchase.email),
      sold_at_list: purchases.map((purchase) => purchase.sold_at),
      // No property added to an object a spread began: ~1 µs each on Node 20 (docs/DECISIONS.md).
      ...SALE_RULES,
    },
    purchases.map((purchase) => ({
      payload: soldPayload(purchase),
      occurredAt: purchase.sold_at,
    })),
  );
}

/** One sale on its own statement (a purchase: one, or two if it waits for a held ticket). */
export async function saleAlone(
  db: SqlClient,
  order: SaleOrder,
  within: Within,
): Promise<SaleRow | undefined> {
  if (order.kind === "purchase") {
    return purchaseAlone(db, Object.assign({}, order.sale, { limit_per_buyer: null }), within);
  }
  const { sale } = order;
  const params = Object.assign({}, SALE_RULES, sale);
  return (await MARK_SOLD.run<SaleRow>(db, params, soldPayload(sale))).rows[0];
}
