import { z } from "zod";
import { TicketStatus } from "./ticket-status.js";
import { TicketResponse } from "./tickets.http.js";

/**
 * What a scanner gets when looking a ticket up by number: what the gate needs and nothing more.
 * No `qr_data` (a scanner holding it could present the ticket itself), no buyer name, email,
 * phone or account, no price. `id` keeps the original scanner's next call (scan by `ticket_id`)
 * working. `admissible` is ticketing's view (status and concert); the scan itself decides.
 */
export const TicketScannerView = z.object({
  id: z.uuid(),
  ticket_number: z.string(),
  concert_id: z.uuid(),
  status: TicketStatus,
  /** Sold or transferred, not used, and its concert not cancelled. */
  admissible: z.boolean(),
});
export type TicketScannerView = z.infer<typeof TicketScannerView>;

/**
 * `GET /api/tickets/number/{n}`: an admin gets the full ticket (the seed's shape), a scanner the
 * view above. The full shape comes first: a union answers with its first matching option, and
 * the scanner view would strip an admin's answer down.
 */
export const TicketLookupResponse = z.union([TicketResponse, TicketScannerView]);
