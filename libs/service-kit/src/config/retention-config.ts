import { z } from "zod";
import { ConfigError } from "./config-error.js";

/**
 * Retention limits (README "Retention"). The floor of EVENTS_MAX_AGE_DAYS: UserAccessChanged must
 * stay in the stream longer than the longest access token lives (ACCESS_TOKEN_EXPIRE_MINUTES is at
 * most 7 days), so a verifier starting late still learns of every revocation that matters.
 */
export const retentionConfigShape = {
  EVENTS_MAX_AGE_DAYS: z.coerce.number().min(8).default(30),
  /** -1: no size limit (the age limit bounds the stream). */
  EVENTS_MAX_BYTES: z.coerce.number().int().min(-1).default(-1),
  DEAD_LETTERS_MAX_AGE_DAYS: z.coerce.number().positive().default(60),
  /** Published outbox rows; far beyond the stream's 2-minute duplicate window. */
  OUTBOX_RETENTION_HOURS: z.coerce.number().min(1).default(24),
  /** Default: 7 days beyond the longer of the two streams' max ages. */
  PROCESSED_EVENTS_RETENTION_DAYS: z.coerce.number().positive().optional(),
};

interface RetentionConfig {
  EVENTS_MAX_AGE_DAYS: number;
  DEAD_LETTERS_MAX_AGE_DAYS: number;
  PROCESSED_EVENTS_RETENTION_DAYS?: number | undefined;
}

/**
 * How long `processed_events` rows live: a dedupe row may go only once no copy of its event can
 * be delivered again, neither from the event stream nor replayed from the dead-letter stream.
 */
export function processedEventsRetentionDays(config: RetentionConfig): number {
  const longest = Math.max(config.EVENTS_MAX_AGE_DAYS, config.DEAD_LETTERS_MAX_AGE_DAYS);
  const days = config.PROCESSED_EVENTS_RETENTION_DAYS ?? longest + 7;
  if (days <= longest)
    throw new ConfigError([
      `PROCESSED_EVENTS_RETENTION_DAYS: ${days} must exceed EVENTS_MAX_AGE_DAYS and DEAD_LETTERS_MAX_AGE_DAYS (${longest}); a message still in a stream could be applied twice`,
    ]);
  return days;
}
