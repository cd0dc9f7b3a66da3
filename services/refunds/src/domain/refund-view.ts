import type { RefundResponse } from "@concert/contracts";
import type { Refund } from "../generated/prisma/client.js";

/** A refund as the original's clients read it. */
export function toRefundResponse(refund: Refund): RefundResponse {
  return {
    id: refund.id,
    ticket_id: refund.ticketId,
    user_id: refund.userId,
    reason: refund.reason,
    amount: refund.amount === null ? null : refund.amount.toNumber(),
    status: refund.status as RefundResponse["status"],
    notes: refund.notes,
    requested_at: refund.requestedAt.toISOString(),
    processed_at: refund.processedAt?.toISOString() ?? null,
    created_at: refund.createdAt.toISOString(),
    updated_at: refund.updatedAt.toISOString(),
  };
}

/** Notes accumulate: the requester's, then the admin's, then how the saga ended. */
export function withNote(notes: string | null, note: string | null | undefined): string | null {
  if (!note) return notes;
  return notes ? `${notes}\n${note}` : note;
}
