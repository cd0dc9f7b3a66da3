import type { KeyObject } from "node:crypto";
import {
  type PayloadOf,
  statusesInto,
  type TicketHandedOver,
  TicketStatus,
  TicketTransferred,
} from "@concert/contracts";
import { recordEvent } from "@concert/service-kit";
import { newTicketNumber } from "@concert/ticket-codes";
import type { Tx } from "../app-context.js";
import type { Ticket } from "../generated/prisma/client.js";
import { codeDigestOf, toTicketSnapshot } from "./ticket-view.js";

/**
 * The gate handed the ticket over for a transfer (it decided, docs/SAGAS.md): the recipient owns
 * it (the buyer email no longer makes the sender its holder), its code version is the gate's new
 * one, it gets a new printed number (and so a new code, whose digest `key` signs for), and it becomes `transferred` (only from a status
 * TICKET_TRANSITIONS allows, revision + 1). TicketTransferred goes out with the change. A
 * redelivery finds the code version reached already and does nothing.
 */
export async function transferHandedOverTicket(
  tx: Tx,
  key: KeyObject,
  handed: PayloadOf<typeof TicketHandedOver>,
): Promise<Ticket | null> {
  const before = await tx.ticket.findUnique({ where: { id: handed.ticket_id } });
  if (!before) return null;
  const ticketNumber = newTicketNumber();
  const code = {
    ticketId: before.id,
    concertId: before.concertId,
    ticketNumber,
    codeVersion: handed.code_version,
  };
  const moved = await tx.ticket.updateManyAndReturn({
    where: {
      id: handed.ticket_id,
      status: { in: [...statusesInto("transferred")] },
      codeVersion: { lt: handed.code_version },
    },
    data: {
      status: TicketStatus.enum.transferred,
      ownerId: handed.to_user_id,
      ownerEmail: null,
      codeVersion: handed.code_version,
      ticketNumber,
      codeDigest: codeDigestOf(code, key),
      revision: { increment: 1 },
    },
  });
  const ticket = moved[0];
  if (!ticket) return null;
  await recordEvent(tx, TicketTransferred, {
    ...toTicketSnapshot(ticket),
    transfer_id: handed.transfer_id,
    from_user_id: before.ownerId,
  });
  return ticket;
}
