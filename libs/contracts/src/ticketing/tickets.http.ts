import { z } from "zod";
import { Timestamp } from "../common/ids.js";
import { Pagination } from "../common/pagination.js";
import { TicketStatus } from "./ticket-status.js";

export const ConcertIdParams = z.object({ concert_id: z.uuid() });
export const TicketNumberParams = z.object({ ticket_number: z.string().min(1).max(32) });

/** A ticket's price: what the box office charges, in the concert's currency. */
const Price = z.number().min(0).max(1_000_000).multipleOf(0.01);

/**
 * No body creates one ticket (answered alone); `{quantity}` creates a batch in one transaction.
 * `price` sets each created ticket's price (otherwise the concert's `ticket_price`).
 */
export const CreateTicketsRequest = z
  .object({
    quantity: z.number().int().min(1).max(10_000).optional(),
    price: Price.nullish(),
  })
  .nullish();
export type CreateTicketsRequest = z.infer<typeof CreateTicketsRequest>;

/** The seed's bulk issue: many tickets answered by number only, without their images. */
export const BatchCreateTicketsRequest = z.object({
  quantity: z.number().int().min(1).max(5_000),
});
export type BatchCreateTicketsRequest = z.infer<typeof BatchCreateTicketsRequest>;

export const BatchCreateTicketsResponse = z.object({
  created_count: z.number().int(),
  concert_id: z.uuid(),
  ticket_numbers: z.array(z.string()),
});
export type BatchCreateTicketsResponse = z.infer<typeof BatchCreateTicketsResponse>;

export const MarkSoldRequest = z.object({
  buyer_name: z.string().trim().min(1).max(200),
  buyer_email: z.email().max(254),
  buyer_phone: z.string().trim().max(40).nullish(),
  /** Defaults to the ticket's price, then the concert's ticket price. */
  price: Price.nullish(),
});
export type MarkSoldRequest = z.infer<typeof MarkSoldRequest>;

export const PurchaseRequest = z.object({ concert_id: z.uuid() });
export type PurchaseRequest = z.infer<typeof PurchaseRequest>;

export const TicketResponse = z.object({
  id: z.uuid(),
  concert_id: z.uuid(),
  ticket_number: z.string(),
  status: TicketStatus,
  /** The text inside the QR code: a signed token naming this ticket and its code version. */
  qr_data: z.string(),
  /** The QR code as a base64 PNG: `qr_data` drawn, ready for an `<img src="data:image/png;base64,...">`. */
  qr_code_data: z.string(),
  price: z.number().nullable(),
  buyer_name: z.string().nullable(),
  buyer_email: z.string().nullable(),
  buyer_phone: z.string().nullable(),
  owner_id: z.uuid().nullable(),
  sold_at: Timestamp.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type TicketResponse = z.infer<typeof TicketResponse>;

export const TicketListResponse = z.array(TicketResponse);

export const ConcertTicketsQuery = Pagination.extend({ status: TicketStatus.optional() });

/** The seed's `GET /api/tickets/{id}/qr-code`: the image inline, as base64 PNG. */
export const TicketQrCodeResponse = z.object({
  ticket_id: z.uuid(),
  ticket_number: z.string(),
  qr_code: z.string(),
  status: TicketStatus,
});
export type TicketQrCodeResponse = z.infer<typeof TicketQrCodeResponse>;

export const DeleteTicketResponse = z.object({ message: z.string(), ticket_id: z.uuid() });
export type DeleteTicketResponse = z.infer<typeof DeleteTicketResponse>;

export const QrQuery = z.object({ format: z.enum(["png", "svg"]).optional() });

export const SalesReport = z.object({
  concert_id: z.uuid(),
  /** Null: the concert has no ticket limit. */
  capacity: z.number().int().nullable(),
  created: z.number().int(),
  sold: z.number().int(),
  refunded: z.number().int(),
  /** What was paid back for the refunded tickets (the prices they had been sold at). */
  refunded_amount: z.number(),
  available: z.number().int(),
  revenue: z.number(),
  sales_per_day: z.array(
    z.object({ date: z.iso.date(), sold: z.number().int(), revenue: z.number() }),
  ),
});
export type SalesReport = z.infer<typeof SalesReport>;
