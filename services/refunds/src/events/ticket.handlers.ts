import {
  TicketCreated,
  TicketRefunded,
  TicketRevocationRefused,
  TicketSold,
  TicketTransferred,
} from "@concert/contracts";
import { handlerFor } from "@concert/service-kit";
import type { Tx } from "../app-context.js";
import { completeRefund, failRefund } from "../domain/refund-decisions.js";
import {
  admissionsProjection,
  applyTicketSnapshot,
  ticketCopyProjection,
} from "../domain/ticket-copy.js";

/** Ticket events that only keep refunds' copy of the ticket: read models, a batch per statement. */
const copyProjections = [
  ticketCopyProjection(TicketCreated),
  ticketCopyProjection(TicketSold, (sale) => sale),
  // A transfer: the recipient holds it now (the sender's buyer email no longer makes them holder).
  ticketCopyProjection(TicketTransferred),
  admissionsProjection,
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

export const ticketHandlers = [...copyProjections, ...sagaHandlers];
