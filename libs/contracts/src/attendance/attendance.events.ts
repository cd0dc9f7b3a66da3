import { z } from "zod";
import { Timestamp } from "../common/ids.js";
import { defineEvent } from "../events/define-event.js";
import { ScanType } from "./scans.http.js";

/** Announced for each scan that changed a ticket: an admission at the gate or attendance inside. */
export const TicketScanned = defineEvent({
  name: "TicketScanned",
  version: 1,
  producer: "attendance",
  aggregate: "ticket",
  verb: "scanned",
  payload: z.object({
    scan_id: z.uuid(),
    ticket_id: z.uuid(),
    concert_id: z.uuid(),
    scan_type: ScanType,
    gate: z.string().nullable(),
    scanned_at: Timestamp,
  }),
});

/**
 * The arbiter's yes to a RefundApproved: the gate took the ticket out (no scan admits it any more)
 * before anyone was admitted with it. Ticketing then refunds it.
 */
export const TicketRevoked = defineEvent({
  name: "TicketRevoked",
  version: 1,
  producer: "attendance",
  aggregate: "ticket",
  verb: "revoked",
  payload: z.object({
    ticket_id: z.uuid(),
    concert_id: z.uuid(),
    refund_id: z.uuid(),
  }),
});

/** Why the gate refused to revoke a ticket. */
export const RevocationRefusal = z.enum([
  "admitted",
  "revoked",
  "transferred",
  "not_admissible",
  "unknown_ticket",
]);
export type RevocationRefusal = z.infer<typeof RevocationRefusal>;

/** The arbiter's no: the ticket got in first, was revoked already, or is not one the gate admits. */
export const TicketRevocationRefused = defineEvent({
  name: "TicketRevocationRefused",
  version: 1,
  producer: "attendance",
  aggregate: "ticket",
  verb: "revocation_refused",
  payload: z.object({
    ticket_id: z.uuid(),
    refund_id: z.uuid(),
    reason: RevocationRefusal,
  }),
});

/**
 * The arbiter's yes to a TransferAccepted: the gate moved the ticket to a new epoch
 * (`code_version`, the new one) and retired its printed number before anyone got in with it.
 * Ticketing then gives it to `to_user_id` with a new number.
 */
export const TicketHandedOver = defineEvent({
  name: "TicketHandedOver",
  version: 1,
  producer: "attendance",
  aggregate: "ticket",
  verb: "handed_over",
  payload: z.object({
    transfer_id: z.uuid(),
    ticket_id: z.uuid(),
    concert_id: z.uuid(),
    to_user_id: z.uuid(),
    code_version: z.number().int().min(1),
  }),
});

/** Why the gate refused to hand a ticket over. */
export const HandoverRefusal = z.enum([
  "admitted",
  "revoked",
  "transferred",
  "not_admissible",
  "unknown_ticket",
]);
export type HandoverRefusal = z.infer<typeof HandoverRefusal>;

/** The arbiter's no: the ticket got in, was refunded, or changed hands since the acceptance. */
export const TicketHandoverRefused = defineEvent({
  name: "TicketHandoverRefused",
  version: 1,
  producer: "attendance",
  aggregate: "ticket",
  verb: "handover_refused",
  payload: z.object({
    transfer_id: z.uuid(),
    ticket_id: z.uuid(),
    reason: HandoverRefusal,
  }),
});
