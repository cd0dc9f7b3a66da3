import { z } from "zod";
import { defineEvent } from "../events/define-event.js";

const RefundOfTicket = z.object({
  refund_id: z.uuid(),
  ticket_id: z.uuid(),
  concert_id: z.uuid(),
});

/** An admin approved a pending refund: attendance (the arbiter) now revokes the ticket or refuses. */
export const RefundApproved = defineEvent({
  name: "RefundApproved",
  version: 1,
  producer: "refunds",
  aggregate: "refund",
  verb: "approved",
  /**
   * `code_version`: the holder's epoch the refund was approved for; the gate refuses
   * (`transferred`) once the ticket changed hands. Optional: events recorded before still parse.
   */
  payload: RefundOfTicket.extend({ code_version: z.number().int().min(1).optional() }),
});

/** An admin rejected a pending refund: a final state. */
export const RefundRejected = defineEvent({
  name: "RefundRejected",
  version: 1,
  producer: "refunds",
  aggregate: "refund",
  verb: "rejected",
  payload: RefundOfTicket,
});

/** The money went back: `amount` is what the holder had paid. A final state. */
export const RefundCompleted = defineEvent({
  name: "RefundCompleted",
  version: 1,
  producer: "refunds",
  aggregate: "refund",
  verb: "completed",
  payload: RefundOfTicket.extend({ amount: z.number() }),
});

/** The gate refused to revoke the ticket (e.g. it was admitted first): a final state. */
export const RefundFailed = defineEvent({
  name: "RefundFailed",
  version: 1,
  producer: "refunds",
  aggregate: "refund",
  verb: "failed",
  payload: RefundOfTicket.extend({ reason: z.string() }),
});
