import type { KeyObject } from "node:crypto";
import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import { TICKET_TRANSITIONS, TicketCodeDigested, TicketStatus } from "@concert/contracts";
import { type Logger, recordEvents } from "@concert/service-kit";
import type { PrismaClient } from "../generated/prisma/client.js";
import { codeDigestOf, signedClaimsOf, toTicketSnapshot } from "./ticket-view.js";

/** Tickets digested per transaction: about 30 µs of signing each, then three statements. */
const BATCH = 100;

/** The wait before trying again when the database failed. */
const RETRY_MS = 10_000;

/** Statuses a code can still be scanned in to some effect: every one with a move left. */
const SCANNABLE = TicketStatus.options.filter((status) => TICKET_TRANSITIONS[status].length > 0);

/**
 * Digests the codes of up to `batch` tickets issued before ticketing kept digests, in one
 * transaction, each with its TicketCodeDigested (revision + 1), so the gate admits their codes
 * by digest as it does every newer ticket's (docs/DECISIONS.md, "A code the gate knows by its
 * digest"). The rows are locked and skipped when locked, so processes running it at once share
 * the work and no ticket is digested twice. Returns how many it digested: 0 when none is left.
 */
export async function digestEarlierCodes(
  prisma: PrismaClient,
  key: KeyObject,
  batch = BATCH,
): Promise<number> {
  return prisma.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM tickets
       WHERE code_digest IS NULL AND status::text = ANY(${[...SCANNABLE]})
       ORDER BY id LIMIT ${batch}
         FOR UPDATE SKIP LOCKED`;
    if (locked.length === 0) return 0;
    const tickets = await tx.ticket.findMany({ where: { id: { in: locked.map(({ id }) => id) } } });
    const digested = tickets.map((ticket) => ({
      ...ticket,
      codeDigest: codeDigestOf(signedClaimsOf(ticket), key),
      revision: ticket.revision + 1,
    }));
    // The rows are locked: what was read is what the update changes. updated_at stays: nothing
    // its holder sees changed.
    await tx.$executeRaw`
      UPDATE tickets AS t SET code_digest = d.digest, revision = t.revision + 1
        FROM unnest(${digested.map(({ id }) => id)}::uuid[],
                    ${digested.map(({ codeDigest }) => codeDigest)}::text[]) AS d (id, digest)
       WHERE t.id = d.id`;
    await recordEvents(
      tx,
      TicketCodeDigested,
      digested.map((ticket) => ({ ...toTicketSnapshot(ticket), code_digest: ticket.codeDigest })),
    );
    return digested.length;
  });
}

/**
 * Runs digestEarlierCodes until no ticket is left, after a process starts and while it serves:
 * a batch at a time, requests first between batches. An upgrade needs no step of its own, and
 * once every earlier ticket has its digest, a start costs one query that finds none. When the
 * database fails it tries again later. What a stopped process left is digested at the next
 * start, as is a ticket other work held locked when the last batch looked (its scans are verified
 * meanwhile).
 */
export class CodeDigestBackfill {
  private running: Promise<void> | undefined;
  private readonly stop = new AbortController();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly key: KeyObject,
    private readonly logger: Pick<Logger, "info" | "warn">,
    private readonly retryMs = RETRY_MS,
  ) {}

  start(): void {
    this.running ??= this.run();
  }

  /** Lets the batch in hand commit, then stops. */
  async close(): Promise<void> {
    this.stop.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    let digested = 0;
    while (!this.stop.signal.aborted) {
      try {
        await nextTurn();
        const count = await digestEarlierCodes(this.prisma, this.key);
        if (count === 0) break;
        digested += count;
      } catch (error) {
        if (this.stop.signal.aborted) break;
        this.logger.warn(
          { err: error, digested, retryInMs: this.retryMs },
          "digesting the codes of earlier tickets failed: trying again later",
        );
        await sleep(this.retryMs, undefined, { signal: this.stop.signal }).catch(() => {});
      }
    }
    if (digested > 0) {
      this.logger.info(
        { tickets: digested },
        "digested the codes of tickets issued before digests",
      );
    }
  }
}
