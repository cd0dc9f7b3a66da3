import { z } from "zod";
import { Timestamp } from "../common/ids.js";
import { defineEvent } from "../events/define-event.js";
import { ConcertStatus } from "./concerts.http.js";

/**
 * The full concert as of `version`: consumers keep a copy and apply a snapshot only when its
 * version is newer than theirs, so redelivered or reordered events never roll a copy back.
 */
const ConcertSnapshot = z.object({
  concert_id: z.uuid(),
  version: z.number().int().min(1),
  name: z.string(),
  /** Nullable since the original system's concerts have none (a widening: v1 kept). */
  artist: z.string().nullable(),
  venue: z.string(),
  starts_at: Timestamp,
  /** `null`: no limit on the tickets issued. Nullable as `artist`, v1 kept. */
  capacity: z.number().int().nullable(),
  ticket_price: z.number().nullable(),
  status: ConcertStatus,
});
export type ConcertSnapshot = z.infer<typeof ConcertSnapshot>;

export const ConcertCreated = defineEvent({
  name: "ConcertCreated",
  version: 1,
  producer: "catalog",
  aggregate: "concert",
  verb: "created",
  payload: ConcertSnapshot,
});

export const ConcertUpdated = defineEvent({
  name: "ConcertUpdated",
  version: 1,
  producer: "catalog",
  aggregate: "concert",
  verb: "updated",
  payload: ConcertSnapshot,
});

export const ConcertCancelled = defineEvent({
  name: "ConcertCancelled",
  version: 1,
  producer: "catalog",
  aggregate: "concert",
  verb: "cancelled",
  payload: ConcertSnapshot,
});

/**
 * The concert is gone (it had no sold ticket when catalog deleted it). `version` is above every
 * snapshot's: consumers keep a tombstone at it, so a late snapshot cannot bring the concert back.
 */
export const ConcertDeleted = defineEvent({
  name: "ConcertDeleted",
  version: 1,
  producer: "catalog",
  aggregate: "concert",
  verb: "deleted",
  payload: z.object({
    concert_id: z.uuid(),
    version: z.number().int().min(1),
  }),
});
