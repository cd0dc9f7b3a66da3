import {
  TicketCreated,
  TicketRefunded,
  TicketRevocationRefused,
  TicketScanned,
  TicketSold,
  TicketTransferred,
} from "@concert/contracts";
import { handlerFor } from "@concert/service-kit";
import type { Tx } from "../app-context.js";
import { completeRefund, failRefund } from "../domain/refund-decisions.js";
import { applyTicketSnapshot, markAdmitted } from "../domain/ticket-copy.js";

/** Ticket events that only keep refunds' copy of the ticket. */
const copyHandlers = [
  handlerFor(TicketCreated, (envelope, tx: Tx) => applyTicketSnapshot(tx, envelope.payload)),
  handlerFor(TicketSold, (envelope, tx: Tx) =>
    applyTicketSnapshot(tx, envelope.payload, envelope.payload),
  ),
  // A transfer: the recipient holds it now (the sender's buyer email no longer makes them holder).
  handlerFor(TicketTransferred, (envelope, tx: Tx) => applyTicketSnapshot(tx, envelope.payload)),
  handlerFor(TicketScanned, async ({ payload }, tx: Tx) => {
    // A sale confirmation lets nobody in.
    if (payload.scan_type !== "sale_confirmation") await markAdmitted(tx, payload);
  }),
];

/** The saga's answers (docs/SAGAS.md): the ticket was refunded, or the gate refused. */
const sagaHandlers = [
  handlerFor(TicketRefunded, async ({ payload }, tx: Tx) => {
    await applyTicketSnapshot(tx, payload);
    await completeRefund(tx, payload);
  }),
  handlerFor(TicketRevocationRefused, async ({ payload }, tx: Tx) => {
    await failRefund(tx, payload);
  }),
];

export const ticketHandlers = [...copyHandlers, ...sagaHandlers];
