import type { PayloadOf, TicketScanned } from "@concert/contracts";
import type { Logger, SqlClient } from "@concert/service-kit";
import {
  ATTENDANCE_CLAIM,
  ATTENDANCE_CLAIM_BATCH,
  type BatchClaimRow,
  batchClaimParams,
  type ClaimParams,
  type ClaimRow,
  ENTRY_CLAIM,
  ENTRY_CLAIM_BATCH,
} from "./scan-sql.js";

/** One scan's claim: the single statement's parameters and the event it records. */
export interface ScanClaim {
  kind: "entry_check" | "attendance";
  params: ClaimParams;
  event: PayloadOf<typeof TicketScanned>;
  occurredAt: Date;
}

/** The ticket as the claim left it: what the answer of a scan that claimed it is built from. */
export type ClaimedTicket = Omit<BatchClaimRow, "ordinal">;

/**
 * What a claim found: the ticket it claimed, or the single statement's row for a scan that
 * claimed nothing (its state, or no row for an unknown ticket), which says why.
 */
export type ClaimAnswer = { claimed: ClaimedTicket } | { state: ClaimRow | undefined };

/**
 * The most scans one statement claims for. Far above what waits on a gate server (one per
 * connection in flight), it only bounds the statement's size.
 */
const MAX_BATCH = 32;

const SINGLE = { entry_check: ENTRY_CLAIM, attendance: ATTENDANCE_CLAIM };
const BATCH = { entry_check: ENTRY_CLAIM_BATCH, attendance: ATTENDANCE_CLAIM_BATCH };

interface Waiting {
  /** Arrival order across both kinds: the kind whose oldest scan came first goes next. */
  arrived: number;
  claim: ScanClaim;
  resolve(answer: ClaimAnswer): void;
  reject(error: unknown): void;
}

/**
 * Runs the gate's claims, at most `atOnce` statements at a time. A scan that finds a free
 * slot runs its own statement at once, so a quiet gate waits for nothing. Scans that arrive while
 * every slot is busy wait, and the next free slot claims for all that wait (up to MAX_BATCH) in
 * one statement: under load, one round trip and one commit admit many scans, which is what lets
 * the gate keep up with its database rather than with its round trips (docs/BENCHMARKS.md).
 *
 * A batch answers only the scans that claimed their ticket. Every other scan of it, and every scan
 * of a batch that failed, runs its own statement afterwards, as if it had come alone: denials,
 * replays and errors are decided by the single statement, never by the batch.
 */
export class ClaimBatcher {
  private running = 0;
  private arrivals = 0;
  private readonly waiting: Record<ScanClaim["kind"], Waiting[]> = {
    entry_check: [],
    attendance: [],
  };

  constructor(
    private readonly sql: SqlClient,
    private readonly atOnce: number,
    private readonly logger: Pick<Logger, "warn">,
  ) {}

  claim(claim: ScanClaim): Promise<ClaimAnswer> {
    if (this.running < this.atOnce) return this.slot(() => this.alone(claim));
    return new Promise((resolve, reject) =>
      this.waiting[claim.kind].push({ arrived: this.arrivals++, claim, resolve, reject }),
    );
  }

  /** Runs `work` in a slot; when it ends, the slot goes to whoever waits. */
  private async slot<T>(work: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.next();
    }
  }

  private next(): void {
    while (this.running < this.atOnce) {
      const { entry_check: entries, attendance } = this.waiting;
      const queue =
        (entries[0]?.arrived ?? Number.POSITIVE_INFINITY) <=
        (attendance[0]?.arrived ?? Number.POSITIVE_INFINITY)
          ? entries
          : attendance;
      if (queue.length === 0) return;
      const group = queue.splice(0, MAX_BATCH);
      if (group.length === 1) {
        const [only] = group as [Waiting];
        this.slot(() => this.alone(only.claim)).then(only.resolve, only.reject);
      } else {
        void this.slot(() => this.together(group));
      }
    }
  }

  private async alone(claim: ScanClaim): Promise<ClaimAnswer> {
    const { rows } = await SINGLE[claim.kind].run<ClaimRow>(this.sql, claim.params, claim.event, {
      occurredAt: claim.occurredAt,
    });
    const row = rows[0];
    return row?.claimed ? { claimed: row } : { state: row };
  }

  /** One statement for the group; never rejects: what it did not claim is asked alone. */
  private async together(group: Waiting[]): Promise<void> {
    let claimed: Map<number, BatchClaimRow>;
    try {
      const { rows } = await BATCH[(group[0] as Waiting).claim.kind].run<BatchClaimRow>(
        this.sql,
        batchClaimParams(group.map((waiting) => waiting.claim.params)),
        group.map(({ claim }) => ({ payload: claim.event, occurredAt: claim.occurredAt })),
      );
      claimed = new Map(rows.map((row) => [Number(row.ordinal), row]));
    } catch (error) {
      // Undone as a whole (a scan_id taken meanwhile, a lost connection): each scan alone will
      // meet its own cause, and answer it as a single scan does. Rare by design, so it is told:
      // a stream of these means the batches cost more than they save.
      this.logger.warn(
        { err: error, scans: group.length },
        "claim batch undone; each of its scans claims alone",
      );
      claimed = new Map();
    }
    group.forEach((waiting, index) => {
      const row = claimed.get(index + 1);
      if (row) {
        const { ordinal: _, ...ticket } = row;
        waiting.resolve({ claimed: ticket });
      } else {
        this.alone(waiting.claim).then(waiting.resolve, waiting.reject);
      }
    });
  }
}
