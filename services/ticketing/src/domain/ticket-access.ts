import { type Identity, NotFoundError } from "@concert/service-kit";
import type { Ticket } from "../generated/prisma/client.js";

/**
 * Admins see every ticket; anyone else only their own, by account or by the buyer email the box
 * office recorded (so a buyer sees a ticket even before identity's event linked the account).
 * Other people's tickets answer 404: their existence is not anyone else's business.
 */
export function assertCanSee(identity: Identity, ticket: Ticket | null): Ticket {
  if (ticket && (identity.role === "admin" || isOwner(identity, ticket))) return ticket;
  throw new NotFoundError("Ticket not found");
}

export function isOwner(identity: Identity, ticket: Ticket): boolean {
  return (
    ticket.ownerId === identity.userId ||
    (ticket.ownerEmail !== null && ticket.ownerEmail === identity.email.toLowerCase())
  );
}
