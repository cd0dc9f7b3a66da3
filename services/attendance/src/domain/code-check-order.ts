/**
 * Which way a gate process checks the QR codes of entry and attendance scans: by digest in the
 * claim (the signature checked only when the digest does not match), or by signature first.
 *
 * By digest saves the signature check on every code whose ticket carries ticketing's digest. But
 * tickets issued before ticketing published digests carry none, and by digest each of their scans
 * would first spend a claim that cannot match. Every claim's row tells whether the code matched
 * its ticket's digest, whichever way it was checked, so the process counts that over its recent
 * claims and goes by digest while at least a third of them matched: after an upgrade the gate
 * checks signatures first, as before, until tickets with digests are a third of those scanned.
 *
 * A third: a miss by digest costs one more batched claim, a match checked by signature costs the
 * check, roughly twice as much under load (docs/BENCHMARKS.md, sixteenth pass). The first claims
 * of a process never switch it: a handful of refused codes says nothing about the tickets.
 */
/** Claims counted before the process may check signatures first. */
const FIRST_CLAIMS = 32;

export class CodeCheckOrder {
  private matched = 0;
  private unmatched = 0;

  /** `window`: about how many recent claims count; older ones weigh half at each halving. */
  constructor(private readonly window = 512) {}

  byDigest(): boolean {
    return this.matched + this.unmatched < FIRST_CLAIMS || this.matched * 2 >= this.unmatched;
  }

  /** A claim of a code told whether the code's digest was its ticket's. */
  record(matched: boolean): void {
    if (this.matched + this.unmatched >= this.window) {
      this.matched /= 2;
      this.unmatched /= 2;
    }
    if (matched) this.matched++;
    else this.unmatched++;
  }
}
