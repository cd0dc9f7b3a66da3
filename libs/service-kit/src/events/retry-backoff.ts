export interface RetryBackoff {
  /** Delay after the first failed delivery. */
  baseMs: number;
  /** No delay grows past this. */
  capMs: number;
}

/** 1 s, 2 s, 4 s ... 60 s, then every 60 s: a one-minute outage costs about seven attempts. */
export const DEFAULT_RETRY_BACKOFF: RetryBackoff = { baseMs: 1_000, capMs: 60_000 };

/**
 * How long to wait before delivering a message again after its `attempt`-th delivery failed
 * (attempt 1 is the first delivery): exponential, capped, with "equal jitter" (between half and
 * all of the step), so consumers that failed together during an outage do not return together.
 */
export function retryDelayMs(
  attempt: number,
  backoff: RetryBackoff,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const step = Math.min(backoff.capMs, backoff.baseMs * 2 ** exponent);
  return Math.round(step / 2 + (random() * step) / 2);
}
