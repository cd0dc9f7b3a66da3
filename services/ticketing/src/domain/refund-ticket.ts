import { type KeyObject, randomUUID } from "node:crypto";
import {
  type PayloadOf,
  statusesInto,
  TicketCreated,
  TicketRefunded,
  type TicketRevoked,
  TicketStatus,
} from "@concert/contracts";
import { recordEvent } from "@concert/service-kit";
import { FIRST_CODE_VERSION, newTicketNumber } from "@concert/ticket-codes";
import type { Tx } from "../app-context.js";
import type { Ticket } from "../generated/prisma/client.js";
import { codeDigestOf, toTicketSnapshot } from "./ticket-view.js";

/**
 * The gate revoked the ticket for a refund (it decided, docs/SAGAS.md): the ticket becomes
 * `refunded` (only from a status TICKET_TRANSITIONS allows, revision + 1) and its seat goes back
 * on sale as one new `created` ticket at the same price (its code's digest signed with `key`),
 * which `purchase` can sell. The concert's
 * issued count stays as it was: the seat was issued once. TicketRefunded (with what was paid) and
 * TicketCreated go out with the change. A redelivery finds the ticket refunded already and does
 * nothing.
 */
export async function refundRevokedTicket(
  tx: Tx,
  key: KeyObject,
  revoked: PayloadOf<typeof TicketRevoked>,
): Promise<Ticket | null> {
  const refunded = await tx.ticket.updateManyAndReturn({
    where: { id: revoked.ticket_id, status: { in: [...statusesInto("refunded")] } },
    data: { status: TicketStatus.enum.refunded, revision: { increment: 1 } },
  });
  const ticket = refunded[0];
  if (!ticket) return null;
  const code = {
    ticketId: randomUUID(),
    concertId: ticket.concertId,
    ticketNumber: newTicketNumber(),
    codeVersion: FIRST_CODE_VERSION,
  };
  const replacement = await tx.ticket.create({
    data: {
      id: code.ticketId,
      concertId: code.concertId,
      ticketNumber: code.ticketNumber,
      codeVersion: code.codeVersion,
      codeDigest: codeDigestOf(code, key),
      price: ticket.price,
    },
  });
  await recordEvent(tx, TicketRefunded, {
    ...toTicketSnapshot(ticket),
    refund_id: revoked.refund_id,
    amount: ticket.price?.toNumber() ?? 0,
    reason: "refund_approved",
  });
  await recordEvent(tx, TicketCreated, toTicketSnapshot(replacement));
  return replacement;
}
