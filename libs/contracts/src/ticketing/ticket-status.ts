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

/** The statuses a ticket may move to `to` from: TICKET_TRANSITIONS read backwards. */
export function statusesInto(to: TicketStatus): readonly TicketStatus[] {
  return TicketStatus.options.filter((from) => canTransition(from, to));
}

/** Every status a ticket in `from` can reach, `from` included, following TICKET_TRANSITIONS. */
function reachableFrom(from: TicketStatus): Set<TicketStatus> {
  const seen = new Set<TicketStatus>([from]);
  for (const status of seen) for (const next of TICKET_TRANSITIONS[status]) seen.add(next);
  return seen;
}

/** Statuses whose holder may walk through the gate: those that may become `scanned_entry`. */
export const ADMISSIBLE_STATUSES: readonly TicketStatus[] = statusesInto("scanned_entry");

/** The only status a ticket can be sold from: one nobody bought yet. */
export const UNSOLD_STATUS: TicketStatus = "created";

/** A sale that stands, in reports: sold and everything a sold ticket can become but refunded. */
export const SOLD_STATUSES: readonly TicketStatus[] = [...reachableFrom("sold")].filter(
  (status) => status !== "refunded",
);

/**
 * Where a ticket stands at the gate, in the only order it moves there: admissible, in, attended.
 * Ticketing follows the gate's TicketScanned events up this order and never down, so an attendance
 * scan delivered before its entry scan takes an admissible ticket straight to `attended` (a move
 * TICKET_TRANSITIONS alone does not list: the gate already admitted it), and the late entry scan
 * then changes nothing.
 */
export const GATE_ORDER: readonly (readonly TicketStatus[])[] = [
  ADMISSIBLE_STATUSES,
  ["scanned_entry"],
  ["attended"],
];

/** The statuses below `to` in GATE_ORDER: those a gate event may move up to `to`. */
export function gateStatusesBelow(to: TicketStatus): readonly TicketStatus[] {
  const rank = GATE_ORDER.findIndex((statuses) => statuses.includes(to));
  if (rank < 0) throw new Error(`${to} is not a gate status`);
  return GATE_ORDER.slice(0, rank).flat();
}

/**
 * Why a ticket may not leave its holder (be refunded or handed to someone else), in words for
 * the holder, or null when it may: it must be admissible and not used at the gate yet. Refunds
 * and transfers ask this of their copies of the ticket; the gate decides for good.
 */
export function handOffRefusal(
  ticket: { status: string; admittedAt: Date | null },
  action: "refunded" | "transferred",
): string | null {
  if (ticket.admittedAt !== null)
    return `Ticket was already used at the gate; it cannot be ${action}`;
  if (!ADMISSIBLE_STATUSES.includes(ticket.status as TicketStatus)) {
    return `Ticket is ${ticket.status}; only a sold or transferred ticket can be ${action}`;
  }
  return null;
}
