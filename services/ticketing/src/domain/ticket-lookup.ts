import { ADMISSIBLE_STATUSES, ConcertStatus, type TicketScannerView } from "@concert/contracts";
import type { PrismaClient, Ticket } from "../generated/prisma/client.js";

/**
 * A ticket as a scanner sees it on a number lookup (issue 9, item 10): enough to tell the door
 * whether to scan it, nothing about who bought it and not the code that would let the scanner
 * present it.
 */
export async function scannerTicketView(
  prisma: PrismaClient,
  ticket: Ticket,
): Promise<TicketScannerView> {
  const concert = await prisma.concert.findUnique({
    where: { id: ticket.concertId },
    select: { status: true },
  });
  return {
    id: ticket.id,
    ticket_number: ticket.ticketNumber,
    concert_id: ticket.concertId,
    status: ticket.status,
    admissible:
      ADMISSIBLE_STATUSES.includes(ticket.status) &&
      concert?.status !== ConcertStatus.enum.cancelled,
  };
}
