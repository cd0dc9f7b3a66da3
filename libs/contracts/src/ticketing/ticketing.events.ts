import { z } from "zod";
import { Timestamp } from "../common/ids.js";
import { defineEvent } from "../events/define-event.js";
import { TicketStatus } from "./ticket-status.js";

/**
 * The ticket as of `revision`. Every ticket event carries the whole snapshot, so a consumer
 * applies one only when its revision is newer: redelivery and reordering never roll back a copy.
 */
export const TicketSnapshot = z.object({
  ticket_id: z.uuid(),
  concert_id: z.uuid(),
  ticket_number: z.string(),
  status: TicketStatus,
  /** Bumped when the QR code is replaced (a transfer): older codes stop admitting. */
  code_version: z.number().int().min(1),
  /**
   * The SHA-256 (base64url) of the current QR code's text, as ticketing issued it: a gate admits a
   * code with this digest without checking its signature. Null when ticketing has none (tickets
   * from before it was kept); absent in events written before it existed.
   */
  code_digest: z.string().nullable().optional(),
  revision: z.number().int().min(1),
  owner_id: z.uuid().nullable(),
});
export type TicketSnapshot = z.infer<typeof TicketSnapshot>;

export const TicketCreated = defineEvent({
  name: "TicketCreated",
  version: 1,
  producer: "ticketing",
  aggregate: "ticket",
  verb: "created",
  payload: TicketSnapshot,
});

export const TicketSold = defineEvent({
  name: "TicketSold",
  version: 1,
  producer: "ticketing",
  aggregate: "ticket",
  verb: "sold",
  payload: TicketSnapshot.extend({
    price: z.number().nullable(),
    buyer_email: z.string(),
    sold_at: Timestamp,
  }),
});

/**
 * The ticket's current code got its digest after the fact: a ticket issued before ticketing kept
 * digests (TicketSnapshot.code_digest null), digested once when an upgraded ticketing starts.
 * Nothing else of the ticket changed; the revision is raised so the snapshot applies.
 */
export const TicketCodeDigested = defineEvent({
  name: "TicketCodeDigested",
  version: 1,
  producer: "ticketing",
  aggregate: "ticket",
  verb: "code_digested",
  payload: TicketSnapshot.extend({ code_digest: z.string() }),
});

/**
 * An unsold ticket was withdrawn (admin): it no longer exists and its place returns to the
 * capacity. `revision` is the ticket's last one plus one, so it outranks every earlier snapshot.
 */
export const TicketDeleted = defineEvent({
  name: "TicketDeleted",
  version: 1,
  producer: "ticketing",
  aggregate: "ticket",
  verb: "deleted",
  payload: z.object({
    ticket_id: z.uuid(),
    concert_id: z.uuid(),
    revision: z.number().int().min(1),
  }),
});

/**
 * Why a ticket was refunded: a refund request the gate revoked the ticket for (the refund saga),
 * or a sale ticketing made after catalog had already cancelled the concert, voided when the
 * cancellation reached ticketing (docs/TICKET-LIFECYCLE.md, "A sale that raced a cancellation").
 */
export const RefundReason = z.enum(["refund_approved", "concert_cancelled"]);
export type RefundReason = z.infer<typeof RefundReason>;

/**
 * The ticket was refunded: the snapshot in status `refunded`, and `amount` = what its holder had
 * paid (0 when no price was recorded). `refund_id` names the refund request the gate revoked the
 * ticket for, or, for a voided sale (`reason: concert_cancelled`), a fresh id no request has:
 * the key a payment provider pays the holder back under. `reason` is absent in events written
 * before it existed: those are all `refund_approved`.
 */
export const TicketRefunded = defineEvent({
  name: "TicketRefunded",
  version: 1,
  producer: "ticketing",
  aggregate: "ticket",
  verb: "refunded",
  payload: TicketSnapshot.extend({
    refund_id: z.uuid(),
    amount: z.number(),
    reason: RefundReason.optional(),
  }),
});

/**
 * The ticket changed hands (after the gate handed it over for `transfer_id`): the snapshot in
 * status `transferred`, owned by the recipient, with the new code version and ticket number.
 */
export const TicketTransferred = defineEvent({
  name: "TicketTransferred",
  version: 1,
  producer: "ticketing",
  aggregate: "ticket",
  verb: "transferred",
  payload: TicketSnapshot.extend({
    transfer_id: z.uuid(),
    from_user_id: z.uuid().nullable(),
  }),
});
