import { TicketDeleted, UNSOLD_STATUS } from "@concert/contracts";
import { ConflictError, NotFoundError, recordEvent } from "@concert/service-kit";
import type { PrismaClient } from "../generated/prisma/client.js";

/**
 * Withdraws a ticket nobody bought, gives its place back to the capacity and announces it, all in
 * one transaction. The status in the DELETE's WHERE makes a sale racing the deletion win or lose
 * whole: a sold ticket is never deleted.
 */
export async function deleteUnsoldTicket(prisma: PrismaClient, ticketId: string): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const ticket = await tx.ticket.findUnique({ where: { id: ticketId } });
    if (!ticket) throw new NotFoundError("Ticket not found");
    const { count } = await tx.ticket.deleteMany({
      where: { id: ticketId, status: UNSOLD_STATUS },
    });
    if (count === 0) {
      const status = ticket.status === UNSOLD_STATUS ? "sold concurrently" : ticket.status;
      throw new ConflictError(
        `Ticket is ${status}; only an unsold (created) ticket can be deleted`,
      );
    }
    await tx.$executeRaw`
      UPDATE concerts SET tickets_issued = tickets_issued - 1
       WHERE id = ${ticket.concertId}::uuid AND tickets_issued > 0`;
    await recordEvent(tx, TicketDeleted, {
      ticket_id: ticket.id,
      concert_id: ticket.concertId,
      revision: ticket.revision + 1,
    });
  });
}
