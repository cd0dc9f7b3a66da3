import { z } from "zod";
import { Timestamp } from "../common/ids.js";
import { Pagination } from "../common/pagination.js";
import { instantOf, type StartValue } from "./concert-start.js";

export const ConcertStatus = z.enum(["scheduled", "cancelled"]);
export type ConcertStatus = z.infer<typeof ConcertStatus>;

/** A start (concert-start.ts: the forms the original took) that lies in the future. */
const futureInstant = z.union([z.number(), z.string()]).superRefine((value, ctx) => {
  const instant = instantOf(value).getTime();
  if (Number.isNaN(instant)) {
    ctx.addIssue({
      code: "custom",
      message: "Invalid datetime: ISO 8601 (T or a space before the time), a day, or Unix time",
    });
  } else if (instant <= Date.now()) {
    ctx.addIssue({ code: "custom", message: "must be in the future" });
  }
});

const money = z.number().min(0).max(1_000_000).multipleOf(0.01);

/**
 * The editable fields. The original system names the start `date`; ours was `starts_at`: either
 * is accepted (equal when both are sent). No `artist` or `capacity` is `null`: no capacity means
 * no limit on the tickets issued.
 */
const concertFields = z.object({
  name: z.string().trim().min(1).max(200),
  venue: z.string().trim().min(1).max(200),
  date: futureInstant.optional(),
  starts_at: futureInstant.optional(),
  artist: z.string().trim().min(1).max(200).nullish(),
  capacity: z.number().int().min(1).max(1_000_000).nullish(),
  description: z.string().max(5000).nullish(),
  ticket_price: money.nullish(),
});

type StartFields = { date?: StartValue | undefined; starts_at?: StartValue | undefined };

/** `date` and `starts_at` name one instant: sent together, they must agree. */
function startsAgree(body: StartFields, ctx: z.RefinementCtx): void {
  if (
    body.date !== undefined &&
    body.starts_at !== undefined &&
    instantOf(body.date).getTime() !== instantOf(body.starts_at).getTime()
  ) {
    ctx.addIssue({
      code: "custom",
      path: ["starts_at"],
      message: "date and starts_at must be the same instant (send one of them)",
    });
  }
}

/** Create (POST) and full replacement (PUT): a start is required, as `date` or `starts_at`. */
export const ConcertCreateRequest = concertFields.superRefine((body, ctx) => {
  if (body.date === undefined && body.starts_at === undefined) {
    ctx.addIssue({ code: "custom", path: ["date"], message: "Field required (date or starts_at)" });
  }
  startsAgree(body, ctx);
});
export type ConcertCreateRequest = z.infer<typeof ConcertCreateRequest>;

/** Partial change (PATCH): only the fields sent change; `null` clears an optional one. */
export const ConcertUpdateRequest = concertFields.partial().superRefine((body, ctx) => {
  if (Object.keys(body).length === 0)
    ctx.addIssue({ code: "custom", message: "Nothing to update" });
  startsAgree(body, ctx);
});
export type ConcertUpdateRequest = z.infer<typeof ConcertUpdateRequest>;

/** The start a request names, whichever field carried it. */
export function requestedStart(body: StartFields): Date | undefined {
  const start = body.starts_at ?? body.date;
  return start === undefined ? undefined : instantOf(start);
}

export const ConcertResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  artist: z.string().nullable(),
  venue: z.string(),
  /** The original system's name for the start; always equal to `starts_at`. */
  date: Timestamp,
  starts_at: Timestamp,
  /** `null`: no limit on the tickets issued. */
  capacity: z.number().int().nullable(),
  description: z.string().nullable(),
  ticket_price: z.number().nullable(),
  status: ConcertStatus,
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type ConcertResponse = z.infer<typeof ConcertResponse>;

export const ConcertListResponse = z.array(ConcertResponse);
export const ConcertListQuery = Pagination;

/** DELETE answers as the original system did: a message and the id that is gone. */
export const ConcertDeletedResponse = z.object({
  message: z.string(),
  concert_id: z.uuid(),
});
export type ConcertDeletedResponse = z.infer<typeof ConcertDeletedResponse>;
