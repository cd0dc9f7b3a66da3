import type { TransferResponse } from "@concert/contracts";
import type { Transfer } from "../generated/prisma/client.js";

/** A transfer as the original's clients read it. */
export function toTransferResponse(transfer: Transfer): TransferResponse {
  return {
    id: transfer.id,
    ticket_id: transfer.ticketId,
    from_user_id: transfer.fromUserId,
    to_user_id: transfer.toUserId,
    status: transfer.status as TransferResponse["status"],
    notes: transfer.notes,
    initiated_at: transfer.initiatedAt.toISOString(),
    completed_at: transfer.completedAt?.toISOString() ?? null,
    created_at: transfer.createdAt.toISOString(),
    updated_at: transfer.updatedAt.toISOString(),
  };
}

/** The payload every transfer event starts with. */
export const transferOfTicket = (transfer: Transfer) => ({
  transfer_id: transfer.id,
  ticket_id: transfer.ticketId,
  concert_id: transfer.concertId,
  from_user_id: transfer.fromUserId,
  to_user_id: transfer.toUserId,
});

/** Notes accumulate: the sender's, then how the saga ended. */
export function withNote(notes: string | null, note: string | null | undefined): string | null {
  if (!note) return notes;
  return notes ? `${notes}\n${note}` : note;
}
