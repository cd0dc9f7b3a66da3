import { z } from "zod";
import { Timestamp } from "../common/ids.js";

/** The seed's scan types, exactly. */
export const ScanType = z.enum(["entry_check", "attendance", "sale_confirmation"]);
export type ScanType = z.infer<typeof ScanType>;

/**
 * What the gate should do, in one field a device can switch on. `admit` says yes or no;
 * `result` says why.
 */
export const ScanResult = z.enum([
  "admitted",
  "already_admitted",
  "attendance_recorded",
  "already_attended",
  "not_admitted_yet",
  "sale_confirmed",
  "not_sold",
  "refunded",
  "code_replaced",
  "invalid_code",
  "wrong_concert",
  "concert_cancelled",
  "outside_door_window",
  "unknown_ticket",
]);
export type ScanResult = z.infer<typeof ScanResult>;

export const ScanRequest = z
  .object({
    /** Chosen by the device; a retry with the same id gets the original answer back. */
    scan_id: z.uuid().optional(),
    // Exactly one of the next three names the ticket.
    /** The QR text: the signed JSON code (or a printed ticket's CT1 code), verified offline. */
    qr_data: z.string().min(1).max(1024).optional(),
    /** Typed at the gate by staff: trusted like the scanner, no signature. */
    ticket_number: z.string().min(1).max(32).optional(),
    /**
     * The original system's body names the ticket by id. An id is no secret, so it stands for the
     * ticket's first code only: a transferred ticket answers `code_replaced` (scan its QR or type
     * its current number).
     */
    ticket_id: z.uuid().optional(),
    scan_type: ScanType.default("entry_check"),
    /**
     * When set, tickets of any other concert are refused (`wrong_concert`). When absent, a ticket
     * is admitted only while its concert's doors are open (`outside_door_window` otherwise).
     */
    concert_id: z.uuid().optional(),
    gate: z.string().trim().max(100).optional(),
    /** The original's name for the gate; `gate` wins when both are sent. */
    location: z.string().trim().max(100).optional(),
    device_id: z.string().trim().max(100).optional(),
    /** Free text kept with the scan and returned with it. */
    notes: z.string().trim().max(1000).optional(),
    /**
     * Accepted for the original's clients and ignored: the scanner recorded is always the
     * token's user, never an id a client sends.
     */
    scanner_id: z.union([z.string(), z.number()]).optional(),
  })
  .refine(
    (body) => [body.qr_data, body.ticket_number, body.ticket_id].filter(Boolean).length === 1,
    { message: "Give exactly one of qr_data, ticket_number or ticket_id" },
  );
export type ScanRequest = z.infer<typeof ScanRequest>;

export const ScanResponse = z.object({
  id: z.uuid(),
  admit: z.boolean(),
  result: ScanResult,
  detail: z.string(),
  ticket_id: z.uuid().nullable(),
  ticket_number: z.string().nullable(),
  concert_id: z.uuid().nullable(),
  scan_type: ScanType,
  gate: z.string().nullable(),
  device_id: z.string().nullable(),
  scanned_by: z.uuid(),
  scanned_at: Timestamp,
  /** The original's names: `scanner_id` is `scanned_by` (the token's user), `location` is `gate`. */
  scanner_id: z.uuid(),
  location: z.string().nullable(),
  notes: z.string().nullable(),
  /** For `already_admitted`: when and where the ticket first got in. */
  first_admitted_at: Timestamp.nullable(),
  first_admitted_gate: z.string().nullable(),
});
export type ScanResponse = z.infer<typeof ScanResponse>;

export const ScanListResponse = z.array(ScanResponse);

/**
 * The HTTP status of each scan answer, so a client that reads only the status (the original
 * scanner page shows "scanned" for any 2xx) never takes a denial for a success. Every answer is
 * a recorded scan; a retry with its scan_id gets the same status back, derived from the stored
 * result. 400 for an already-used ticket and 404 for an unknown one, as the original answered;
 * 409 when the ticket exists but its state, its concert or the time forbids entry.
 */
export const SCAN_RESULT_STATUS = {
  admitted: 200,
  attendance_recorded: 200,
  sale_confirmed: 200,
  already_admitted: 400,
  already_attended: 400,
  not_admitted_yet: 400,
  invalid_code: 400,
  unknown_ticket: 404,
  not_sold: 409,
  refunded: 409,
  code_replaced: 409,
  wrong_concert: 409,
  concert_cancelled: 409,
  outside_door_window: 409,
} as const satisfies Record<ScanResult, 200 | 400 | 404 | 409>;

export type ScanStatusCode = (typeof SCAN_RESULT_STATUS)[ScanResult];

export const AttendanceQuery = z.object({
  bucket_minutes: z.coerce.number().int().min(1).max(1440).default(15),
});

export const AttendanceReport = z.object({
  concert_id: z.uuid(),
  /** The original's fields: `total_attended` counts everyone who got in (by either scan type). */
  total_sold: z.number().int(),
  total_attended: z.number().int(),
  /** The original's string, one decimal: "95.0%", or "0%" when nothing is sold. */
  attendance_rate: z.string(),
  sold: z.number().int(),
  entered: z.number().int(),
  attended: z.number().int(),
  not_yet_arrived: z.number().int(),
  /** entered / sold, 4 decimals (was `attendance_rate` before the original's string took it). */
  attendance_ratio: z.number(),
  bucket_minutes: z.number().int(),
  arrivals: z.array(z.object({ bucket_start: Timestamp, count: z.number().int() })),
});
export type AttendanceReport = z.infer<typeof AttendanceReport>;
