import type { KeyObject } from "node:crypto";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { Logger, SqlClient } from "@concert/service-kit";
import type { Ticket } from "../generated/prisma/client.js";
import { withQrImages } from "./ticket-qr-images.js";

/**
 * Tickets drawn per turn of the event loop: about 1 ms each, so requests never wait behind more
 * than a few tens of milliseconds of drawing.
 */
const CHUNK = 16;

/**
 * Draws the QR images of tickets just issued, after the issuing answered, so their first read (at
 * the box office: the sale's own answer) finds a stored image instead of drawing one (the
 * largest item of a sale's CPU profile). Best effort by design: a ticket not reached yet, or
 * left behind by a process that stopped, is drawn on its first read exactly as before, and a
 * stored pair always holds the image of its text (see withQrImages).
 */
export class QrImageBacklog {
  private readonly waiting: Ticket[][] = [];
  private draining: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly db: SqlClient,
    private readonly key: KeyObject,
    private readonly logger: Pick<Logger, "warn">,
  ) {}

  add(tickets: readonly Ticket[]): void {
    if (this.closed || tickets.length === 0) return;
    for (let i = 0; i < tickets.length; i += CHUNK) this.waiting.push(tickets.slice(i, i + CHUNK));
    this.draining ??= this.drain();
  }

  /** Stops drawing: the chunk being drawn is stored, the rest is left to first reads. */
  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    await this.draining;
  }

  /** Runs while chunks wait; marked done in the same step that finds none left. */
  private async drain(): Promise<void> {
    // Its first step awaits: `add` has stored this promise before anything below runs.
    await nextTurn();
    try {
      for (let chunk = this.waiting.shift(); chunk && !this.closed; chunk = this.waiting.shift()) {
        await this.draw(chunk);
        // Requests and their I/O go first; drawing fills the gaps between them.
        await nextTurn();
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async draw(chunk: Ticket[]): Promise<void> {
    try {
      await withQrImages(this.db, this.key, chunk);
    } catch (error) {
      // The database is likely away: one warning, and the rest waits for its first read.
      const left = chunk.length + this.waiting.reduce((sum, next) => sum + next.length, 0);
      this.waiting.length = 0;
      this.logger.warn(
        { err: error, tickets: left },
        "QR images of issued tickets not drawn ahead: drawn on first read",
      );
    }
  }
}
