import { z } from "zod";
import { Timestamp } from "../common/ids.js";
import { Pagination } from "../common/pagination.js";

export const ConcertStatus = z.enum(["scheduled", "cancelled"]);
export type ConcertStatus = z.infer<typeof ConcertStatus>;

const futureInstant = Timestamp.refine((value) => new Date(value).getTime() > Date.now(), {
  message: "starts_at must be in the future",
});
const money = z.number().min(0).max(1_000_000).multipleOf(0.01);

export const ConcertCreateRequest = z.object({
  name: z.string().trim().min(1).max(200),
  artist: z.string().trim().min(1).max(200),
  venue: z.string().trim().min(1).max(200),
  starts_at: futureInstant,
  capacity: z.number().int().min(1).max(1_000_000),
  description: z.string().max(5000).nullish(),
  ticket_price: money.nullish(),
});
export type ConcertCreateRequest = z.infer<typeof ConcertCreateRequest>;

export const ConcertUpdateRequest = ConcertCreateRequest.partial().refine(
  (body) => Object.keys(body).length > 0,
  { message: "Nothing to update" },
);
export type ConcertUpdateRequest = z.infer<typeof ConcertUpdateRequest>;

export const ConcertResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  artist: z.string(),
  venue: z.string(),
  starts_at: Timestamp,
  capacity: z.number().int(),
  description: z.string().nullable(),
  ticket_price: z.number().nullable(),
  status: ConcertStatus,
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type ConcertResponse = z.infer<typeof ConcertResponse>;

export const ConcertListResponse = z.array(ConcertResponse);
export const ConcertListQuery = Pagination;
