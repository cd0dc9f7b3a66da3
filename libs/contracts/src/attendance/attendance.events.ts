import { z } from "zod";
import { Timestamp } from "../common/ids.js";
import { defineEvent } from "../events/define-event.js";
import { ScanType } from "./scans.http.js";

/** Announced for each scan that changed a ticket: an admission at the gate or attendance inside. */
export const TicketScanned = defineEvent({
  name: "TicketScanned",
  version: 1,
  producer: "attendance",
  aggregate: "ticket",
  verb: "scanned",
  payload: z.object({
    scan_id: z.uuid(),
    ticket_id: z.uuid(),
    concert_id: z.uuid(),
    scan_type: ScanType,
    gate: z.string().nullable(),
    scanned_at: Timestamp,
  }),
});
