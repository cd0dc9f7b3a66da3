import { z } from "zod";
import { defineEvent } from "../events/define-event.js";

const TransferOfTicket = z.object({
  transfer_id: z.uuid(),
  ticket_id: z.uuid(),
  concert_id: z.uuid(),
  from_user_id: z.uuid(),
  to_user_id: z.uuid(),
});

/**
 * The recipient accepted: attendance (the arbiter) now hands the ticket over or refuses.
 * `code_version` is the holder's epoch the transfer was accepted for (transfers' copy of the ticket).
 */
export const TransferAccepted = defineEvent({
  name: "TransferAccepted",
  version: 1,
  producer: "transfers",
  aggregate: "transfer",
  verb: "accepted",
  payload: TransferOfTicket.extend({ code_version: z.number().int().min(1) }),
});

/** The recipient rejected a pending transfer: a final state. */
export const TransferRejected = defineEvent({
  name: "TransferRejected",
  version: 1,
  producer: "transfers",
  aggregate: "transfer",
  verb: "rejected",
  payload: TransferOfTicket,
});

/** The sender withdrew a pending transfer: a final state. */
export const TransferCancelled = defineEvent({
  name: "TransferCancelled",
  version: 1,
  producer: "transfers",
  aggregate: "transfer",
  verb: "cancelled",
  payload: TransferOfTicket,
});

/** The recipient holds the ticket (ticketing announced TicketTransferred): a final state. */
export const TransferCompleted = defineEvent({
  name: "TransferCompleted",
  version: 1,
  producer: "transfers",
  aggregate: "transfer",
  verb: "completed",
  payload: TransferOfTicket,
});

/** The gate refused the handover (admitted, refunded, handed over already): a final state. */
export const TransferFailed = defineEvent({
  name: "TransferFailed",
  version: 1,
  producer: "transfers",
  aggregate: "transfer",
  verb: "failed",
  payload: TransferOfTicket.extend({ reason: z.string() }),
});
