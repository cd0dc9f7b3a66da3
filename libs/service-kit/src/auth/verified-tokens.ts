/**
 * Tokens whose signature and claims were already checked, each until its own `exp`: a client sends
 * the same token with every request, and an RS256 verify (with jsonwebtoken's parsing and the
 * claims' schema) is most of the CPU a request costs a proxy. Keyed by the whole token string, so a
 * hit is the very bytes that were verified. Only what the signature proves is kept: revocation is
 * still asked on every request by the caller. Bounded: when full, the oldest entry goes.
 */
export class VerifiedTokens<T> {
  private readonly entries = new Map<string, { value: T; expiresAtMs: number }>();

  constructor(private readonly maxEntries = 10_000) {}

  /** The value stored for `token`, unless absent or expired (an expired one is dropped). */
  get(token: string, nowMs: number): T | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (nowMs < entry.expiresAtMs) return entry.value;
    this.entries.delete(token);
    return undefined;
  }

  set(token: string, value: T, expiresAtMs: number): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(token, { value, expiresAtMs });
  }
}
