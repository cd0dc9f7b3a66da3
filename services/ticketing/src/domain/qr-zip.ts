import type { KeyObject } from "node:crypto";
import type { Archiver } from "archiver";
import type { PrismaClient } from "../generated/prisma/client.js";
import { withQrImages } from "./ticket-qr-images.js";

/** Tickets read, drawn (when not stored yet) and written to the archive at a time. */
const PAGE_SIZE = 500;

/** What every ticket's QR image is called inside the archive, as in the original. */
export const qrFileName = (ticketNumber: string) => `QR_${ticketNumber}.png`;

/**
 * Every ticket's QR image of a concert as a ZIP, written while it is sent: tickets are read a
 * page at a time by cursor, and the next page is read only once the archive has written the last
 * one out, so a slow client holds back the database reads and memory stays flat however many
 * tickets there are. PNGs are already compressed, so entries are stored, not deflated again.
 * archiver is loaded on the first download: it is 15 MB of the service's resident memory, for
 * a route an admin calls now and then (docs/BENCHMARKS.md, "Idle memory").
 */
export async function concertQrZip(
  prisma: PrismaClient,
  key: KeyObject,
  concertId: string,
): Promise<Archiver> {
  const { default: archiver } = await import("archiver");
  const archive = archiver("zip", { store: true });
  let written = 0;
  archive.on("entry", () => written++);
  void (async () => {
    let after: string | undefined;
    let appended = 0;
    for (;;) {
      const page = await prisma.ticket.findMany({
        where: { concertId, ...(after && { id: { gt: after } }) },
        orderBy: { id: "asc" },
        take: PAGE_SIZE,
      });
      for (const { ticket, qrPng } of await withQrImages(prisma, key, page)) {
        archive.append(qrPng, { name: qrFileName(ticket.ticketNumber) });
        appended++;
      }
      while (written < appended) {
        if (archive.destroyed) return; // the client went away: stop reading
        await nextEntry(archive);
      }
      after = page.at(-1)?.id;
      if (page.length < PAGE_SIZE) break;
    }
    await archive.finalize();
  })().catch((error: unknown) => {
    // The response has started: all that is left is to cut it short, which the client sees.
    if (!archive.destroyed)
      archive.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  return archive;
}

/** Resolves when the archive has written one more entry; rejects once it is closed or failed. */
function nextEntry(archive: Archiver): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      archive.off("entry", onEntry).off("error", onError).off("close", onClose);
      if (error) reject(error);
      else resolve();
    };
    const onEntry = () => settle();
    const onError = (error: Error) => settle(error);
    const onClose = () => settle(new Error("The archive was closed before it was complete"));
    archive.on("entry", onEntry).on("error", onError).on("close", onClose);
  });
}
