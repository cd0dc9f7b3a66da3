import { TicketScanned } from "@concert/contracts";
import { handlerFor } from "@concert/service-kit";
import type { Tx } from "../database/transaction-client.js";

/**
 * The gate decided; ticketing records it. Moves only forward (sold/transferred → scanned_entry →
 * attended), so an attendance scan delivered before its entry scan still ends at `attended`.
 */
export const ticketScannedHandler = handlerFor<Tx, typeof TicketScanned>(
  TicketScanned,
  async ({ payload }, tx) => {
    if (payload.scan_type === "entry_check") {
      await tx.$executeRaw`
        UPDATE tickets SET status = 'scanned_entry', revision = revision + 1, updated_at = now()
         WHERE id = ${payload.ticket_id}::uuid AND status IN ('sold', 'transferred')`;
    } else if (payload.scan_type === "attendance") {
      await tx.$executeRaw`
        UPDATE tickets SET status = 'attended', revision = revision + 1, updated_at = now()
         WHERE id = ${payload.ticket_id}::uuid AND status IN ('sold', 'transferred', 'scanned_entry')`;
    }
  },
);
