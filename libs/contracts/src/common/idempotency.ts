import { z } from "zod";

/** What a client sends to make a retried request safe, as Stripe's API takes it (at most 255 characters). */
export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";
/** Set on an answer that is the stored answer of an earlier request with the same key. */
export const IDEMPOTENT_REPLAYED_HEADER = "idempotent-replayed";

/** A key is any visible ASCII (a UUID is typical): nothing a header or the database mangles. */
export const IdempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, "visible ASCII characters only");

/**
 * The headers of a request that may carry a key. Loose: every other header stays on the request.
 */
export const IdempotencyHeaders = z.looseObject({
  [IDEMPOTENCY_KEY_HEADER]: IdempotencyKey.optional(),
});
export type IdempotencyHeaders = z.infer<typeof IdempotencyHeaders>;
