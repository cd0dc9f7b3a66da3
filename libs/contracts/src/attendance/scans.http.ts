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
  "unknown_ticket",
]);
export type ScanResult = z.infer<typeof ScanResult>;

export const ScanRequest = z
  .object({
    /** Chosen by the device; a retry with the same id gets the original answer back. */
    scan_id: z.uuid().optional(),
    qr_data: z.string().min(1).max(1024).optional(),
    ticket_number: z.string().min(1).max(32).optional(),
    scan_type: ScanType.default("entry_check"),
    /** When set, tickets of any other concert are refused. */
    concert_id: z.uuid().optional(),
    gate: z.string().trim().max(100).optional(),
    device_id: z.string().trim().max(100).optional(),
  })
  .refine((body) => Boolean(body.qr_data) !== Boolean(body.ticket_number), {
    message: "Give exactly one of qr_data or ticket_number",
  });
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
  /** For `already_admitted`: when and where the ticket first got in. */
  first_admitted_at: Timestamp.nullable(),
  first_admitted_gate: z.string().nullable(),
});
export type ScanResponse = z.infer<typeof ScanResponse>;

export const ScanListResponse = z.array(ScanResponse);

export const AttendanceQuery = z.object({
  bucket_minutes: z.coerce.number().int().min(1).max(1440).default(15),
});

export const AttendanceReport = z.object({
  concert_id: z.uuid(),
  sold: z.number().int(),
  entered: z.number().int(),
  attended: z.number().int(),
  not_yet_arrived: z.number().int(),
  attendance_rate: z.number(),
  bucket_minutes: z.number().int(),
  arrivals: z.array(z.object({ bucket_start: Timestamp, count: z.number().int() })),
});
export type AttendanceReport = z.infer<typeof AttendanceReport>;
