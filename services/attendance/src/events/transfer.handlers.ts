import { TransferAccepted } from "@concert/contracts";
import { handlerFor } from "@concert/service-kit";
import type { Tx } from "../app-context.js";
import { decideHandover } from "../domain/hand-over-ticket.js";

/** Attendance is the arbiter of transfers against admission and refunds (docs/SAGAS.md). */
export const transferHandlers = [
  handlerFor(TransferAccepted, async (envelope, tx: Tx) => {
    await decideHandover(tx, envelope.payload);
  }),
];
