import { z } from "zod";
import { Timestamp } from "../common/ids.js";

/**
 * The original's transfer statuses plus `cancelled` (the sender withdrew it while pending) and
 * `failed` (the gate refused the handover: admitted, refunded or handed over already). See
 * docs/SAGAS.md.
 */
export const TransferStatus = z.enum([
  "pending",
  "accepted",
  "rejected",
  "completed",
  "cancelled",
  "failed",
]);
export type TransferStatus = z.infer<typeof TransferStatus>;

/** Statuses of a transfer still open: one per ticket at a time (a partial unique index). */
export const OPEN_TRANSFER_STATUSES: readonly TransferStatus[] = ["pending", "accepted"];

/** The original's body (recipient by user id) or the recipient's email: exactly one of them. */
export const TransferInitiateRequest = z
  .object({
    ticket_id: z.uuid(),
    to_user_id: z.uuid().optional(),
    to_email: z.string().trim().min(3).max(320).optional(),
    notes: z.string().trim().max(1000).optional(),
  })
  .refine((body) => (body.to_user_id === undefined) !== (body.to_email === undefined), {
    message: "Name the recipient by exactly one of to_user_id and to_email",
  });
export type TransferInitiateRequest = z.infer<typeof TransferInitiateRequest>;

/** The original's transfer fields; ids are UUID strings. */
export const TransferResponse = z.object({
  id: z.uuid(),
  ticket_id: z.uuid(),
  from_user_id: z.uuid(),
  to_user_id: z.uuid(),
  status: TransferStatus,
  /** The sender's note, then how the transfer ended (e.g. why it failed). */
  notes: z.string().nullable(),
  initiated_at: Timestamp,
  completed_at: Timestamp.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type TransferResponse = z.infer<typeof TransferResponse>;

export const TransferListResponse = z.array(TransferResponse);
