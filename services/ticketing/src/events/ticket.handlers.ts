import type { KeyObject } from "node:crypto";
import {
  gateStatusesBelow,
  type ScanType,
  TicketHandedOver,
  TicketRevoked,
  TicketScanned,
  type TicketStatus,
} from "@concert/contracts";
import { handlerFor, projectionFor } from "@concert/service-kit";
import type { Tx } from "../app-context.js";
import { refundRevokedTicket } from "../domain/refund-ticket.js";
import { transferHandedOverTicket } from "../domain/transfer-ticket.js";

/** The status each kind of gate scan moves a ticket to; a sale confirmation changes nothing. */
const GATE_MOVES: Partial<Record<ScanType, TicketStatus>> = {
  entry_check: "scanned_entry",
  attendance: "attended",
};

/** Each move as the statement takes it: from which statuses (comma-joined), and how high it goes. */
const MOVES = new Map(
  Object.entries(GATE_MOVES).map(([scanType, to]) => {
    const below = gateStatusesBelow(to);
    return [scanType, { to, from: below.join(","), rank: below.length }];
  }),
);

/**
 * The gate decided; ticketing records it, a batch per statement. Moves only up the contracts'
 * GATE_ORDER, so an attendance scan delivered before its entry scan still ends at `attended`;
 * of a ticket the batch scanned twice, the highest move is applied (where one by one would end).
 */
export const ticketScannedProjection = projectionFor(TicketScanned, {
  columns: {
    ticket_id: { type: "uuid", of: (p) => p.ticket_id },
    to_status: { type: "text", of: (p) => MOVES.get(p.scan_type)?.to ?? null },
    from_statuses: {
      type: "text",
      of: (p) => MOVES.get(p.scan_type)?.from ?? null,
    },
    to_rank: { type: "int", of: (p) => MOVES.get(p.scan_type)?.rank ?? null },
  },
  apply: `
UPDATE tickets t
   SET status = m.to_status::"TicketStatus", revision = t.revision + 1, updated_at = now()
  FROM (SELECT DISTINCT ON (ticket_id) ticket_id, to_status, from_statuses FROM fresh
         WHERE to_status IS NOT NULL ORDER BY ticket_id, to_rank DESC) m
 WHERE t.id = m.ticket_id AND t.status::text = ANY(string_to_array(m.from_statuses, ','))`,
});

/** The gate revoked the ticket for a refund: refund it and put its seat back on sale. */
const ticketRevokedHandler = (key: KeyObject) =>
  handlerFor<Tx, typeof TicketRevoked>(TicketRevoked, async ({ payload }, tx) => {
    await refundRevokedTicket(tx, key, payload);
  });

/** The gate handed the ticket over for a transfer: give it to the recipient with a new number. */
const ticketHandedOverHandler = (key: KeyObject) =>
  handlerFor<Tx, typeof TicketHandedOver>(TicketHandedOver, async ({ payload }, tx) => {
    await transferHandedOverTicket(tx, key, payload);
  });

/** `key` signs the new codes a refund's replacement ticket and a transfer get. */
export const ticketHandlers = (key: KeyObject) => [
  ticketScannedProjection,
  ticketRevokedHandler(key),
  ticketHandedOverHandler(key),
];
