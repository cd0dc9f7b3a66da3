import {
  gateStatusesBelow,
  type ScanType,
  TicketHandedOver,
  TicketRevoked,
  TicketScanned,
  type TicketStatus,
} from "@concert/contracts";
import { handlerFor } from "@concert/service-kit";
import type { Tx } from "../app-context.js";
import { refundRevokedTicket } from "../domain/refund-ticket.js";
import { transferHandedOverTicket } from "../domain/transfer-ticket.js";

/** The status each kind of gate scan moves a ticket to; a sale confirmation changes nothing. */
const GATE_MOVES: Partial<Record<ScanType, TicketStatus>> = {
  entry_check: "scanned_entry",
  attendance: "attended",
};

/**
 * The gate decided; ticketing records it. Moves only up the contracts' GATE_ORDER, so an
 * attendance scan delivered before its entry scan still ends at `attended`.
 */
const ticketScannedHandler = handlerFor<Tx, typeof TicketScanned>(
  TicketScanned,
  async ({ payload }, tx) => {
    const to = GATE_MOVES[payload.scan_type];
    if (!to) return;
    await tx.$executeRaw`
      UPDATE tickets SET status = ${to}::"TicketStatus", revision = revision + 1, updated_at = now()
       WHERE id = ${payload.ticket_id}::uuid
         AND status = ANY(${gateStatusesBelow(to)}::"TicketStatus"[])`;
  },
);

/** The gate revoked the ticket for a refund: refund it and put its seat back on sale. */
const ticketRevokedHandler = handlerFor<Tx, typeof TicketRevoked>(
  TicketRevoked,
  async ({ payload }, tx) => {
    await refundRevokedTicket(tx, payload);
  },
);

/** The gate handed the ticket over for a transfer: give it to the recipient with a new number. */
const ticketHandedOverHandler = handlerFor<Tx, typeof TicketHandedOver>(
  TicketHandedOver,
  async ({ payload }, tx) => {
    await transferHandedOverTicket(tx, payload);
  },
);

export const ticketHandlers = [ticketScannedHandler, ticketRevokedHandler, ticketHandedOverHandler];
