import {
  type PayloadOf,
  RefundApproved,
  RefundCompleted,
  RefundFailed,
  RefundRejected,
  type RefundStatus,
  type TicketRefunded,
  type TicketRevocationRefused,
} from "@concert/contracts";
import { ConflictError, NotFoundError, recordEvent } from "@concert/service-kit";
import type { Tx } from "../app-context.js";
import type { PrismaClient, Refund } from "../generated/prisma/client.js";
import { type PaymentProvider, recordedPayouts } from "./payments.js";
import { withNote } from "./refund-view.js";

/**
 * Moves one refund from `from` to `to` with a conditional UPDATE (the status in the WHERE), so of
 * two racing moves exactly one wins; the other matches nothing. Null: nothing moved.
 */
async function move(
  tx: Tx,
  id: string,
  from: RefundStatus,
  to: RefundStatus,
  change: { note?: string | null; amount?: number; processed?: boolean } = {},
): Promise<Refund | null> {
  const refund = await tx.refund.findUnique({ where: { id } });
  if (!refund) return null;
  const moved = await tx.refund.updateManyAndReturn({
    where: { id, status: from },
    data: {
      status: to,
      notes: withNote(refund.notes, change.note),
      ...(change.amount !== undefined && { amount: change.amount }),
      ...(change.processed && { processedAt: new Date() }),
    },
  });
  return moved[0] ?? null;
}

const refundOfTicket = (refund: Refund) => ({
  refund_id: refund.id,
  ticket_id: refund.ticketId,
  concert_id: refund.concertId,
});

/**
 * An admin decides a pending refund: approve (RefundApproved: the gate then revokes the ticket or
 * refuses) or reject (RefundRejected, final). Anything but pending answers 409; of two racing
 * decisions one wins.
 */
export async function decideRefund(
  prisma: PrismaClient,
  id: string,
  decision: "approved" | "rejected",
  note: string | undefined,
): Promise<Refund> {
  return prisma.$transaction(async (tx) => {
    const decided = await move(tx, id, "pending", decision, {
      note,
      processed: decision === "rejected",
    });
    if (!decided) {
      const refund = await tx.refund.findUnique({ where: { id } });
      if (!refund) throw new NotFoundError("Refund not found");
      throw new ConflictError(
        `Refund is ${refund.status}; only a pending refund can be ${decision}`,
      );
    }
    const payload = refundOfTicket(decided);
    if (decision === "approved") {
      // The holder's epoch the refund is approved for: the gate refuses it once the ticket moved on.
      const ticket = await tx.refundTicket.findUnique({ where: { ticketId: decided.ticketId } });
      await recordEvent(tx, RefundApproved, {
        ...payload,
        ...(ticket && { code_version: ticket.codeVersion }),
      });
    } else await recordEvent(tx, RefundRejected, payload);
    return decided;
  });
}

/**
 * Ticketing refunded the ticket (the gate revoked it first): pay the holder back what they paid
 * and complete the refund; `amount` becomes the amount paid. Only an approved refund completes, so
 * a redelivery pays nothing twice (and the payout itself is keyed by the refund).
 */
export async function completeRefund(
  tx: Tx,
  refunded: PayloadOf<typeof TicketRefunded>,
  payments: PaymentProvider = recordedPayouts,
): Promise<Refund | null> {
  const completed = await move(tx, refunded.refund_id, "approved", "completed", {
    note: `Refunded ${refunded.amount.toFixed(2)}, the price paid for the ticket`,
    amount: refunded.amount,
    processed: true,
  });
  if (!completed) return null;
  await payments.payOut(tx, {
    refundId: completed.id,
    ticketId: completed.ticketId,
    userId: completed.userId,
    amount: refunded.amount,
  });
  await recordEvent(tx, RefundCompleted, { ...refundOfTicket(completed), amount: refunded.amount });
  return completed;
}

const REFUSAL_NOTES: Record<PayloadOf<typeof TicketRevocationRefused>["reason"], string> = {
  admitted: "the ticket was used at the gate before the refund reached it",
  revoked: "the ticket was already taken out of the gate by another refund or transfer",
  transferred: "the ticket changed hands after the refund was approved",
  not_admissible: "the gate does not hold the ticket as sold",
  unknown_ticket: "the gate does not know the ticket",
};

/** The gate refused to revoke the ticket: the approved refund fails, with the reason. */
export async function failRefund(
  tx: Tx,
  refused: PayloadOf<typeof TicketRevocationRefused>,
): Promise<Refund | null> {
  const failed = await move(tx, refused.refund_id, "approved", "failed", {
    note: `Refund failed (${refused.reason}): ${REFUSAL_NOTES[refused.reason]}`,
    processed: true,
  });
  if (!failed) return null;
  await recordEvent(tx, RefundFailed, { ...refundOfTicket(failed), reason: refused.reason });
  return failed;
}
