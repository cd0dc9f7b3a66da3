import {
  TicketCreated,
  TicketHandoverRefused,
  TicketRefunded,
  TicketSold,
  TicketTransferred,
} from "@concert/contracts";
import { handlerFor } from "@concert/service-kit";
import type { Tx } from "../app-context.js";
import {
  admissionsProjection,
  applyTicketSnapshot,
  ticketCopyProjection,
} from "../domain/ticket-copy.js";
import { completeTransfer, failTransfer } from "../domain/transfer-decisions.js";

/** Ticket events that only keep transfers' copy of the ticket: read models, a batch per statement. */
const copyProjections = [
  ticketCopyProjection(TicketCreated),
  ticketCopyProjection(TicketRefunded),
  ticketCopyProjection(TicketSold, (sale) => sale.buyer_email),
  admissionsProjection,
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

export const ticketHandlers = [...copyProjections, ...sagaHandlers];
