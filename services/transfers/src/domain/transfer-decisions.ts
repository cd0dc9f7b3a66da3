import {
  type HandoverRefusal,
  type PayloadOf,
  type TicketHandoverRefused,
  type TicketTransferred,
  TransferAccepted,
  TransferCancelled,
  TransferCompleted,
  TransferFailed,
  TransferRejected,
  type TransferStatus,
} from "@concert/contracts";
import {
  ConflictError,
  ForbiddenError,
  type Identity,
  NotFoundError,
  recordEvent,
} from "@concert/service-kit";
import type { Tx } from "../app-context.js";
import type { PrismaClient, Transfer } from "../generated/prisma/client.js";
import { transferOfTicket, withNote } from "./transfer-view.js";

/**
 * Moves one transfer from `from` to `to` with a conditional UPDATE (the status in the WHERE), so
 * of two racing moves exactly one wins; the other matches nothing. Null: nothing moved.
 */
async function move(
  tx: Tx,
  transfer: Transfer,
  from: TransferStatus,
  to: TransferStatus,
  change: { note?: string; completed?: boolean } = {},
): Promise<Transfer | null> {
  const moved = await tx.transfer.updateManyAndReturn({
    where: { id: transfer.id, status: from },
    data: {
      status: to,
      notes: withNote(transfer.notes, change.note),
      ...(change.completed && { completedAt: new Date() }),
    },
  });
  return moved[0] ?? null;
}

/** Who may make each move: the recipient accepts or rejects, the sender cancels. */
const MOVES = {
  accept: { to: "accepted", by: "toUserId", event: TransferAccepted },
  reject: { to: "rejected", by: "toUserId", event: TransferRejected },
  cancel: { to: "cancelled", by: "fromUserId", event: TransferCancelled },
} as const;
export type TransferMove = keyof typeof MOVES;

/**
 * The recipient accepts or rejects a pending transfer, or the sender cancels it. A stranger gets
 * 404 (the transfer is not theirs to see), the other party 403, anything but pending 409; of two
 * racing moves one wins. Accepting announces TransferAccepted with the holder's epoch (the code
 * version of transfers' copy): the gate then hands the ticket over or refuses.
 */
export async function decideTransfer(
  prisma: PrismaClient,
  caller: Identity,
  id: string,
  verb: TransferMove,
): Promise<Transfer> {
  const { to, by, event } = MOVES[verb];
  return prisma.$transaction(async (tx) => {
    const transfer = await tx.transfer.findUnique({ where: { id } });
    const parties = transfer ? [transfer.fromUserId, transfer.toUserId] : [];
    if (!transfer || !parties.includes(caller.userId))
      throw new NotFoundError("Transfer not found");
    if (transfer[by] !== caller.userId) {
      throw new ForbiddenError(
        by === "toUserId"
          ? `Only the recipient can ${verb} a transfer`
          : "Only the sender can cancel a transfer",
      );
    }
    const moved = await move(tx, transfer, "pending", to);
    if (!moved) {
      const now = await tx.transfer.findUniqueOrThrow({ where: { id } });
      throw new ConflictError(`Transfer is ${now.status}; only a pending transfer can be ${to}`);
    }
    if (event === TransferAccepted) {
      const ticket = await tx.transferTicket.findUnique({ where: { ticketId: moved.ticketId } });
      await recordEvent(tx, TransferAccepted, {
        ...transferOfTicket(moved),
        code_version: ticket?.codeVersion ?? 1,
      });
    } else {
      await recordEvent(tx, event, transferOfTicket(moved));
    }
    return moved;
  });
}

/** Ticketing gave the ticket to the recipient: the accepted transfer completes. */
export async function completeTransfer(
  tx: Tx,
  transferred: PayloadOf<typeof TicketTransferred>,
): Promise<Transfer | null> {
  const transfer = await tx.transfer.findUnique({ where: { id: transferred.transfer_id } });
  if (!transfer) return null;
  const completed = await move(tx, transfer, "accepted", "completed", { completed: true });
  if (completed) await recordEvent(tx, TransferCompleted, transferOfTicket(completed));
  return completed;
}

const REFUSAL_NOTES: Record<HandoverRefusal, string> = {
  admitted: "the ticket was used at the gate before the transfer reached it",
  revoked: "the ticket was refunded",
  transferred: "the ticket changed hands after the transfer was accepted",
  not_admissible: "the gate does not hold the ticket as sold",
  unknown_ticket: "the gate does not know the ticket",
};

/** The gate refused the handover: the accepted transfer fails, with the reason. */
export async function failTransfer(
  tx: Tx,
  refused: PayloadOf<typeof TicketHandoverRefused>,
): Promise<Transfer | null> {
  const transfer = await tx.transfer.findUnique({ where: { id: refused.transfer_id } });
  if (!transfer) return null;
  const failed = await move(tx, transfer, "accepted", "failed", {
    note: `Transfer failed (${refused.reason}): ${REFUSAL_NOTES[refused.reason]}`,
  });
  if (failed) {
    await recordEvent(tx, TransferFailed, { ...transferOfTicket(failed), reason: refused.reason });
  }
  return failed;
}
