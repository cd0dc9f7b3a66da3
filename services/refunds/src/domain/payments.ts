import type { Tx } from "../app-context.js";

/** One payout: what a refund sends back to the ticket's holder. */
export interface PayoutOrder {
  refundId: string;
  ticketId: string;
  userId: string;
  amount: number;
}

/**
 * The seam where a payment provider is called. The refund saga calls `payOut` once it learnt the
 * ticket was refunded, inside the transaction that completes the refund, with the refund id as
 * the idempotency key: a redelivered event must never pay twice.
 *
 * A real provider (a card acquirer, a bank transfer API) goes here as another implementation. Its
 * network call should not hold the transaction open: it would record the order in this
 * transaction and make the call from a worker keyed by `refundId` (the provider's idempotency
 * key), as the outbox relay does for events. Nothing is charged or paid by this project today.
 */
export interface PaymentProvider {
  readonly name: string;
  payOut(tx: Tx, order: PayoutOrder): Promise<void>;
}

/**
 * The only provider today: it records the payout in `payouts` (one row per refund, a repeat is a
 * no-op), for the box office to settle by hand.
 */
export const recordedPayouts: PaymentProvider = {
  name: "recorded",
  async payOut(tx, order) {
    await tx.$executeRaw`
      INSERT INTO payouts (refund_id, ticket_id, user_id, amount, provider)
      VALUES (${order.refundId}::uuid, ${order.ticketId}::uuid, ${order.userId}::uuid,
              ${order.amount}, ${recordedPayouts.name})
      ON CONFLICT (refund_id) DO NOTHING`;
  },
};
