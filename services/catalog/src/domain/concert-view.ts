import type { ConcertResponse, ConcertSnapshot } from "@concert/contracts";
import type { Concert } from "../generated/prisma/client.js";

export function toConcertResponse(concert: Concert): ConcertResponse {
  return {
    id: concert.id,
    name: concert.name,
    artist: concert.artist,
    venue: concert.venue,
    date: concert.startsAt.toISOString(),
    starts_at: concert.startsAt.toISOString(),
    capacity: concert.capacity,
    description: concert.description,
    ticket_price: concert.ticketPrice === null ? null : concert.ticketPrice.toNumber(),
    status: concert.status,
    created_at: concert.createdAt.toISOString(),
    updated_at: concert.updatedAt.toISOString(),
  };
}

/** What the concert events carry: the whole concert as of its version. */
export function toConcertSnapshot(concert: Concert): ConcertSnapshot {
  return {
    concert_id: concert.id,
    version: concert.version,
    name: concert.name,
    artist: concert.artist,
    venue: concert.venue,
    starts_at: concert.startsAt.toISOString(),
    capacity: concert.capacity,
    ticket_price: concert.ticketPrice === null ? null : concert.ticketPrice.toNumber(),
    status: concert.status,
  };
}
