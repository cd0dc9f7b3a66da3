import { z } from "zod";

/** The seed's ticket statuses, exactly. See docs/TICKET-LIFECYCLE.md for the allowed moves. */
export const TicketStatus = z.enum([
  "created",
  "sold",
  "scanned_entry",
  "attended",
  "refunded",
  "transferred",
]);
export type TicketStatus = z.infer<typeof TicketStatus>;

/** Statuses whose holder may walk through the gate. */
export const ADMISSIBLE_STATUSES: readonly TicketStatus[] = ["sold", "transferred"];

/** Every allowed transition; anything else is refused with 409. */
export const TICKET_TRANSITIONS: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = {
  created: ["sold"],
  sold: ["scanned_entry", "refunded", "transferred"],
  transferred: ["scanned_entry", "refunded", "transferred"],
  scanned_entry: ["attended"],
  attended: [],
  refunded: [],
};

export function canTransition(from: TicketStatus, to: TicketStatus): boolean {
  return TICKET_TRANSITIONS[from].includes(to);
}
