import { randomUUID } from "node:crypto";
import { handOffRefusal, type RefundListQuery, type RefundRequest } from "@concert/contracts";
import {
  ConflictError,
  type Identity,
  isUniqueViolation,
  NotFoundError,
} from "@concert/service-kit";
import type { PrismaClient, Refund, RefundTicket } from "../generated/prisma/client.js";

/**
 * A holder (or an admin on the holder's behalf) asks for a ticket's money back. Checked against
 * refunds' own copy of the ticket: someone else's ticket is 404 (as in ticketing), a ticket whose
 * buyer has no account yet is 409 for an admin (there is nobody to pay back), a ticket not
 * sold or transferred, or already admitted, is 409. The answer is the pending request; whether it
 * can still be refunded is decided at approval, by the gate (docs/SAGAS.md).
 */
export async function requestRefund(
  prisma: PrismaClient,
  requester: Identity,
  body: RefundRequest,
): Promise<Refund> {
  const ticket = await prisma.refundTicket.findUnique({ where: { ticketId: body.ticket_id } });
  const isAdmin = requester.role === "admin";
  if (!ticket || ticket.revision === 0 || (!isAdmin && !holds(requester, ticket))) {
    throw new NotFoundError("Ticket not found");
  }
  // The holder: the owning account, else the account of the buyer's email (the requester).
  const holder = ticket.ownerId ?? (holds(requester, ticket) ? requester.userId : null);
  if (!holder) {
    throw new ConflictError(
      "The ticket's buyer has no account yet: they can ask once registered with the buyer email",
    );
  }
  const refusal = handOffRefusal(ticket, "refunded");
  if (refusal) throw new ConflictError(refusal);
  try {
    return await prisma.refund.create({
      data: {
        id: randomUUID(),
        ticketId: ticket.ticketId,
        concertId: ticket.concertId,
        userId: holder,
        requestedBy: requester.userId,
        reason: body.reason,
        amount: body.amount ?? ticket.price,
        status: "pending",
        notes: body.notes ?? null,
      },
    });
  } catch (error) {
    // The id is fresh: only the partial unique index (one open request per ticket) can refuse it.
    if (isUniqueViolation(error)) {
      throw new ConflictError("A refund of this ticket is already pending or approved");
    }
    throw error;
  }
}

/** As in ticketing: the owning account, or while none owns it, the account of the buyer email. */
function holds(identity: Identity, ticket: RefundTicket): boolean {
  return (
    ticket.ownerId === identity.userId ||
    (ticket.ownerId === null &&
      ticket.ownerEmail !== null &&
      ticket.ownerEmail === identity.email.toLowerCase())
  );
}

/** Admins see every refund; anyone else only theirs. Newest first. */
export function listRefunds(
  prisma: PrismaClient,
  viewer: Identity,
  query: RefundListQuery,
): Promise<Refund[]> {
  return prisma.refund.findMany({
    where: {
      ...(viewer.role === "admin" ? {} : { userId: viewer.userId }),
      ...(query.status ? { status: query.status } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    take: query.limit,
    skip: query.offset,
  });
}

/** The holder's or any refund for an admin; 404 for anyone else. */
export async function visibleRefund(
  prisma: PrismaClient,
  viewer: Identity,
  id: string,
): Promise<Refund> {
  const refund = await prisma.refund.findUnique({ where: { id } });
  if (refund && (viewer.role === "admin" || refund.userId === viewer.userId)) return refund;
  throw new NotFoundError("Refund not found");
}
