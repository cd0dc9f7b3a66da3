import { RefundApproved } from "@concert/contracts";
import { handlerFor } from "@concert/service-kit";
import type { Tx } from "../app-context.js";
import { decideRevocation } from "../domain/revoke-ticket.js";

/** Attendance is the arbiter of refunds against admission (docs/SAGAS.md). */
export const refundHandlers = [
  handlerFor(RefundApproved, async (envelope, tx: Tx) => {
    await decideRevocation(tx, envelope.payload);
  }),
];
