import type { Pagination, TicketStatus } from "@concert/contracts";
import { type Identity, NotFoundError } from "@concert/service-kit";
import type { PrismaClient, Ticket } from "../generated/prisma/client.js";
import { assertCanSee } from "./ticket-access.js";

/** The user's tickets, by account or by the email the box office sold to; newest sale first. */
export function ticketsOf(prisma: PrismaClient, identity: Identity): Promise<Ticket[]> {
  return prisma.ticket.findMany({
    where: { OR: [{ ownerId: identity.userId }, { ownerEmail: identity.email.toLowerCase() }] },
    orderBy: [{ soldAt: "desc" }, { id: "asc" }],
  });
}

/** The ticket printed with this (normalized) number. */
export async function ticketByNumber(prisma: PrismaClient, ticketNumber: string): Promise<Ticket> {
  const ticket = await prisma.ticket.findUnique({ where: { ticketNumber } });
  if (!ticket) throw new NotFoundError("Ticket not found");
  return ticket;
}

/** A concert's tickets in the order they were issued, optionally of one status. */
export function concertTickets(
  prisma: PrismaClient,
  concertId: string,
  { status, limit, offset }: Pagination & { status?: TicketStatus | undefined },
): Promise<Ticket[]> {
  return prisma.ticket.findMany({
    where: { concertId, ...(status && { status }) },
    orderBy: [{ createdAt: "asc" }, { ticketNumber: "asc" }],
    take: limit,
    skip: offset,
  });
}

/** One ticket, if `identity` may see it (admin or owner); anyone else gets 404. */
export async function visibleTicket(
  prisma: PrismaClient,
  identity: Identity,
  ticketId: string,
): Promise<Ticket> {
  return assertCanSee(identity, await prisma.ticket.findUnique({ where: { id: ticketId } }));
}
