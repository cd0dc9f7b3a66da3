import type { KeyObject } from "node:crypto";
import type { TicketResponse } from "@concert/contracts";
import type { SqlClient } from "@concert/service-kit";
import { isCodeOf, signingKeyId } from "@concert/ticket-codes";
import type { Ticket } from "../generated/prisma/client.js";
import { renderQrPng } from "./qr-image.js";
import { qrDataOf, signedClaimsOf, toTicketResponse } from "./ticket-view.js";

/** Where images are stored: the pool, the Prisma client, or the transaction of the command that answers them. */
type ImageStore = SqlClient;

/** A ticket with the text of its QR code and that code drawn as PNG. */
export interface TicketWithQr {
  ticket: Ticket;
  qrData: string;
  qrPng: Buffer;
}

/**
 * Each ticket with its current QR text and image. The stored pair is answered as it is while its
 * text names the ticket's current claims and was signed with the current key: signing again would
 * write the same text, at about 30 µs a ticket (a sale's answer, a list of thousands). Otherwise
 * the code is signed, and drawn only when the stored image encodes other text (none yet, a new
 * code version, format or key): then it is drawn once and stored, so the next list of these
 * tickets draws nothing. Storing is a cache fill, not a change of the ticket: no revision, no
 * event, and a stored pair is always consistent (image of its text).
 */
export async function withQrImages(
  db: ImageStore,
  key: KeyObject,
  tickets: readonly Ticket[],
): Promise<TicketWithQr[]> {
  const keyId = signingKeyId(key);
  const toStore: TicketWithQr[] = [];
  const views = tickets.map((ticket) => {
    const stored = storedCode(ticket, keyId);
    if (stored) return stored;
    const qrData = qrDataOf(ticket, key);
    // An image stored before its key was: still the image of this text, stored again with the key.
    const qrPng =
      ticket.qrPng && ticket.qrPngText === qrData ? Buffer.from(ticket.qrPng) : renderQrPng(qrData);
    const view = { ticket, qrData, qrPng };
    toStore.push(view);
    return view;
  });
  if (toStore.length > 0) await storeQrImages(db, keyId, toStore);
  return views;
}

/** The stored code and its image, when they are the ticket's current code under this key. */
function storedCode(ticket: Ticket, keyId: string): TicketWithQr | undefined {
  const { qrPng, qrPngText, qrPngKey } = ticket;
  if (!qrPng || qrPngText === null || qrPngKey !== keyId) return undefined;
  if (!isCodeOf(qrPngText, signedClaimsOf(ticket))) return undefined;
  return { ticket, qrData: qrPngText, qrPng: Buffer.from(qrPng) };
}

/**
 * One statement for the whole list; base64 text arrays travel through the driver as plain text.
 * An image drawn for a code version the ticket has since left (a transfer committed meanwhile)
 * is not stored over the newer one. A ticket another transaction holds (a sale, a transfer) is
 * skipped, not waited for: a cache fill never queues behind a sale, nor closes a deadlock with
 * one; the skipped ticket's image is drawn again on its next read.
 */
async function storeQrImages(
  db: ImageStore,
  keyId: string,
  views: readonly TicketWithQr[],
): Promise<void> {
  await db.$executeRawUnsafe(
    `UPDATE tickets t SET qr_png = decode(fresh.png, 'base64'), qr_png_text = fresh.text, qr_png_key = $5
       FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[]) AS fresh(id, code_version, png, text)
      WHERE t.id = fresh.id AND t.code_version = fresh.code_version
        AND t.id IN (SELECT id FROM tickets WHERE id = ANY($1::uuid[]) FOR NO KEY UPDATE SKIP LOCKED)`,
    views.map((v) => v.ticket.id),
    views.map((v) => v.ticket.codeVersion),
    views.map((v) => v.qrPng.toString("base64")),
    views.map((v) => v.qrData),
    keyId,
  );
}

/** Tickets as the API answers them, images included. */
export async function ticketResponses(
  db: ImageStore,
  key: KeyObject,
  tickets: readonly Ticket[],
): Promise<TicketResponse[]> {
  return (await withQrImages(db, key, tickets)).map(toTicketResponse);
}

/** One ticket with its QR text and image. */
export async function withQrImage(
  db: ImageStore,
  key: KeyObject,
  ticket: Ticket,
): Promise<TicketWithQr> {
  const [withImage] = await withQrImages(db, key, [ticket]);
  if (!withImage) throw new Error("unreachable: one ticket in, one image out");
  return withImage;
}

/** One ticket as the API answers it, image included. */
export async function ticketResponse(
  db: ImageStore,
  key: KeyObject,
  ticket: Ticket,
): Promise<TicketResponse> {
  return toTicketResponse(await withQrImage(db, key, ticket));
}
