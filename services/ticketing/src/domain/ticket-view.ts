import type { KeyObject } from "node:crypto";
import type { TicketResponse, TicketSnapshot } from "@concert/contracts";
import { type SignedTicket, signTicketCode, ticketCodeDigest } from "@concert/ticket-codes";
import type { Ticket } from "../generated/prisma/client.js";
import type { TicketWithQr } from "./ticket-qr-images.js";

/**
 * The QR text is derived: Ed25519 signatures are deterministic, so the same ticket and code
 * version always give the same code, and nothing can drift out of sync. Its stored copy (with the
 * image) is answered instead while it is the current code (ticket-qr-images.ts).
 */
export function qrDataOf(ticket: Ticket, key: KeyObject): string {
  return signTicketCode(key, signedClaimsOf(ticket));
}

/**
 * The digest published with a ticket's current code (TicketSnapshot.code_digest), stored with every
 * new number or code version: the gate admits a code with this digest without verifying it.
 */
export function codeDigestOf(claims: SignedTicket, key: KeyObject): string {
  return ticketCodeDigest(signTicketCode(key, claims));
}

/** What a ticket's code signs. */
export function signedClaimsOf(ticket: Ticket): SignedTicket {
  return {
    ticketId: ticket.id,
    concertId: ticket.concertId,
    ticketNumber: ticket.ticketNumber,
    codeVersion: ticket.codeVersion,
  };
}

/** The ticket as every endpoint answers it: with its QR text and that code as a base64 PNG. */
export function toTicketResponse({ ticket, qrData, qrPng }: TicketWithQr): TicketResponse {
  return {
    id: ticket.id,
    concert_id: ticket.concertId,
    ticket_number: ticket.ticketNumber,
    status: ticket.status,
    qr_data: qrData,
    qr_code_data: qrPng.toString("base64"),
    price: ticket.price === null ? null : ticket.price.toNumber(),
    buyer_name: ticket.buyerName,
    buyer_email: ticket.buyerEmail,
    buyer_phone: ticket.buyerPhone,
    owner_id: ticket.ownerId,
    sold_at: ticket.soldAt?.toISOString() ?? null,
    created_at: ticket.createdAt.toISOString(),
    updated_at: ticket.updatedAt.toISOString(),
  };
}

export function toTicketSnapshot(ticket: Ticket): TicketSnapshot {
  return {
    ticket_id: ticket.id,
    concert_id: ticket.concertId,
    ticket_number: ticket.ticketNumber,
    status: ticket.status,
    code_version: ticket.codeVersion,
    code_digest: ticket.codeDigest,
    revision: ticket.revision,
    owner_id: ticket.ownerId,
  };
}
