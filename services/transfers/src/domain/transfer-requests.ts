import { randomUUID } from "node:crypto";
import { handOffRefusal, type TransferInitiateRequest } from "@concert/contracts";
import {
  ConflictError,
  type Identity,
  isUniqueViolation,
  NotFoundError,
} from "@concert/service-kit";
import type { PrismaClient, Transfer, TransferTicket } from "../generated/prisma/client.js";

/**
 * The holder offers a ticket to another account (docs/SAGAS.md), checked against transfers' own
 * copy of the ticket: someone else's ticket is 404 (as in ticketing), an email no account has is
 * 404, a ticket not sold or transferred, already admitted, or offered to oneself is 409, and a
 * ticket with a transfer pending or accepted already is 409. Whether it can still be handed over
 * is decided at acceptance, by the gate.
 */
export async function initiateTransfer(
  prisma: PrismaClient,
  sender: Identity,
  body: TransferInitiateRequest,
): Promise<Transfer> {
  const ticket = await prisma.transferTicket.findUnique({ where: { ticketId: body.ticket_id } });
  if (!ticket || ticket.revision === 0 || !holds(sender, ticket)) {
    throw new NotFoundError("Ticket not found");
  }
  const recipient = await recipientOf(prisma, body);
  if (recipient === sender.userId)
    throw new ConflictError("You cannot transfer a ticket to yourself");
  const refusal = handOffRefusal(ticket, "transferred");
  if (refusal) throw new ConflictError(refusal);
  try {
    return await prisma.transfer.create({
      data: {
        id: randomUUID(),
        ticketId: ticket.ticketId,
        concertId: ticket.concertId,
        fromUserId: sender.userId,
        toUserId: recipient,
        status: "pending",
        notes: body.notes ?? null,
      },
    });
  } catch (error) {
    // The id is fresh: only the partial unique index (one open transfer per ticket) can refuse it.
    if (isUniqueViolation(error)) {
      throw new ConflictError("A transfer of this ticket is already pending or accepted");
    }
    throw error;
  }
}

/**
 * The recipient's account. By email only an account that exists now: a transfer is never held for
 * whoever registers the address later (accounts are not email-verified).
 */
async function recipientOf(prisma: PrismaClient, body: TransferInitiateRequest): Promise<string> {
  const account = body.to_email
    ? await prisma.transferAccount.findUnique({ where: { email: body.to_email.toLowerCase() } })
    : await prisma.transferAccount.findUnique({ where: { userId: body.to_user_id ?? "" } });
  if (!account) {
    throw new NotFoundError(body.to_email ? "No account with that email" : "No such user");
  }
  return account.userId;
}

/** As in ticketing: the owning account, or while none owns it, the account of the buyer email. */
function holds(identity: Identity, ticket: TransferTicket): boolean {
  return (
    ticket.ownerId === identity.userId ||
    (ticket.ownerId === null &&
      ticket.ownerEmail !== null &&
      ticket.ownerEmail === identity.email.toLowerCase())
  );
}

/** Pending transfers waiting for the caller to accept, and those the caller sent. Newest first. */
export function pendingTransfers(prisma: PrismaClient, viewer: Identity): Promise<Transfer[]> {
  return prisma.transfer.findMany({
    where: {
      status: "pending",
      OR: [{ toUserId: viewer.userId }, { fromUserId: viewer.userId }],
    },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
  });
}

/** The sender's, the recipient's or any transfer for an admin; 404 for anyone else. */
export async function visibleTransfer(
  prisma: PrismaClient,
  viewer: Identity,
  id: string,
): Promise<Transfer> {
  const transfer = await prisma.transfer.findUnique({ where: { id } });
  if (
    transfer &&
    (viewer.role === "admin" ||
      transfer.fromUserId === viewer.userId ||
      transfer.toUserId === viewer.userId)
  ) {
    return transfer;
  }
  throw new NotFoundError("Transfer not found");
}
