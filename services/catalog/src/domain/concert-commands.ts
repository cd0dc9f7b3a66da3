import { randomUUID } from "node:crypto";
import {
  ConcertCancelled,
  ConcertCreated,
  type ConcertCreateRequest,
  ConcertUpdated,
  type ConcertUpdateRequest,
} from "@concert/contracts";
import { ConflictError, NotFoundError, recordEvent } from "@concert/service-kit";
import type { Tx } from "../app-context.js";
import type { Concert, PrismaClient } from "../generated/prisma/client.js";
import { toConcertSnapshot } from "./concert-view.js";

export async function createConcert(
  prisma: PrismaClient,
  input: ConcertCreateRequest,
): Promise<Concert> {
  return prisma.$transaction(async (tx) => {
    const concert = await tx.concert.create({
      data: {
        id: randomUUID(),
        name: input.name,
        artist: input.artist,
        venue: input.venue,
        startsAt: new Date(input.starts_at),
        capacity: input.capacity,
        description: input.description ?? null,
        ticketPrice: input.ticket_price ?? null,
      },
    });
    await recordEvent(tx, ConcertCreated, toConcertSnapshot(concert));
    return concert;
  });
}

/**
 * Applies a partial update. The version check in the WHERE clause makes two racing admins
 * serialize: the loser re-reads nothing stale, it gets a 409 and can retry.
 */
export async function updateConcert(
  prisma: PrismaClient,
  id: string,
  input: ConcertUpdateRequest,
): Promise<Concert> {
  return prisma.$transaction(async (tx) => {
    const current = await requireScheduled(tx, id);
    const changed = await tx.concert.updateManyAndReturn({
      where: { id, version: current.version },
      data: {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.artist !== undefined && { artist: input.artist }),
        ...(input.venue !== undefined && { venue: input.venue }),
        ...(input.starts_at !== undefined && { startsAt: new Date(input.starts_at) }),
        ...(input.capacity !== undefined && { capacity: input.capacity }),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.ticket_price !== undefined && { ticketPrice: input.ticket_price }),
        version: { increment: 1 },
      },
    });
    const concert = changed[0];
    if (!concert) throw new ConflictError("Concert was changed concurrently; retry");
    await recordEvent(tx, ConcertUpdated, toConcertSnapshot(concert));
    return concert;
  });
}

export async function cancelConcert(prisma: PrismaClient, id: string): Promise<Concert> {
  return prisma.$transaction(async (tx) => {
    const current = await requireScheduled(tx, id);
    const changed = await tx.concert.updateManyAndReturn({
      where: { id, version: current.version, status: "scheduled" },
      data: { status: "cancelled", version: { increment: 1 } },
    });
    const concert = changed[0];
    if (!concert) throw new ConflictError("Concert is already cancelled");
    await recordEvent(tx, ConcertCancelled, toConcertSnapshot(concert));
    return concert;
  });
}

async function requireScheduled(tx: Tx, id: string): Promise<Concert> {
  const concert = await tx.concert.findUnique({ where: { id } });
  if (!concert) throw new NotFoundError("Concert not found");
  if (concert.status === "cancelled") throw new ConflictError("Concert is cancelled");
  return concert;
}
