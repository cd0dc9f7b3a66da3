import {
  TicketCreated,
  TicketHandoverRefused,
  TicketRefunded,
  TicketScanned,
  TicketSold,
  TicketTransferred,
} from "@concert/contracts";
import { handlerFor } from "@concert/service-kit";
import type { Tx } from "../app-context.js";
import { applyTicketSnapshot, markAdmitted } from "../domain/ticket-copy.js";
import { completeTransfer, failTransfer } from "../domain/transfer-decisions.js";

/** Ticket events that only keep transfers' copy of the ticket. */
const copyHandlers = [
  ...[TicketCreated, TicketRefunded].map((event) =>
    handlerFor(event, (envelope, tx: Tx) => applyTicketSnapshot(tx, envelope.payload)),
  ),
  handlerFor(TicketSold, ({ payload }, tx: Tx) =>
    applyTicketSnapshot(tx, payload, payload.buyer_email),
  ),
  handlerFor(TicketScanned, async ({ payload }, tx: Tx) => {
    // A sale confirmation lets nobody in.
    if (payload.scan_type !== "sale_confirmation") await markAdmitted(tx, payload);
  }),
];

/** The saga's answers (docs/SAGAS.md): the ticket changed hands, or the gate refused. */
const sagaHandlers = [
  handlerFor(TicketTransferred, async ({ payload }, tx: Tx) => {
    await applyTicketSnapshot(tx, payload);
    await completeTransfer(tx, payload);
  }),
  handlerFor(TicketHandoverRefused, async ({ payload }, tx: Tx) => {
    await failTransfer(tx, payload);
  }),
];

export const ticketHandlers = [...copyHandlers, ...sagaHandlers];
