import { z } from "zod";
import { Timestamp } from "../common/ids.js";
import { Pagination } from "../common/pagination.js";

/**
 * The original's refund statuses plus `failed`: a refund the gate refused because the ticket got
 * in (or was already revoked) while the approval travelled. See docs/SAGAS.md.
 */
export const RefundStatus = z.enum(["pending", "approved", "rejected", "completed", "failed"]);
export type RefundStatus = z.infer<typeof RefundStatus>;

/** Statuses of a request still open: one per ticket at a time (a partial unique index). */
export const OPEN_REFUND_STATUSES: readonly RefundStatus[] = ["pending", "approved"];

/** The original's request body. `amount` is what the holder asks for; the payout is what was paid. */
export const RefundRequest = z.object({
  ticket_id: z.uuid(),
  reason: z.string().trim().min(1).max(1000),
  amount: z.number().nonnegative().optional(),
  notes: z.string().trim().max(1000).optional(),
});
export type RefundRequest = z.infer<typeof RefundRequest>;

/** Optional body of approve and reject: the admin's note, kept in `notes`. */
export const RefundDecisionRequest = z
  .object({ notes: z.string().trim().max(1000).optional() })
  .nullish();
export type RefundDecisionRequest = z.infer<typeof RefundDecisionRequest>;

/** The original's refund fields; ids are UUID strings. */
export const RefundResponse = z.object({
  id: z.uuid(),
  ticket_id: z.uuid(),
  user_id: z.uuid(),
  reason: z.string(),
  /** Asked for while pending; once completed, the amount actually paid back (the price paid). */
  amount: z.number().nullable(),
  status: RefundStatus,
  /** The requester's note, then the admin's, then why the refund completed or failed. */
  notes: z.string().nullable(),
  requested_at: Timestamp,
  processed_at: Timestamp.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type RefundResponse = z.infer<typeof RefundResponse>;

export const RefundListResponse = z.array(RefundResponse);

export const RefundListQuery = Pagination.extend({ status: RefundStatus.optional() });
export type RefundListQuery = z.infer<typeof RefundListQuery>;
