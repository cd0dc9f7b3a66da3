import { randomUUID } from "node:crypto";
import {
  ConcertCancelled,
  ConcertCreated,
  type ConcertCreateRequest,
  ConcertDeleted,
  ConcertUpdated,
  type ConcertUpdateRequest,
  requestedStart,
} from "@concert/contracts";
import { ConflictError, NotFoundError, recordEvent } from "@concert/service-kit";
import type { Tx } from "../app-context.js";
import type { Concert, Prisma, PrismaClient } from "../generated/prisma/client.js";
import { toConcertSnapshot } from "./concert-view.js";

/** Every editable column as a full request (create, PUT) sets it: absent optional fields are null. */
function allFields(input: ConcertCreateRequest) {
  return {
    name: input.name,
    artist: input.artist ?? null,
    venue: input.venue,
    startsAt: requestedStart(input) as Date,
    capacity: input.capacity ?? null,
    description: input.description ?? null,
    ticketPrice: input.ticket_price ?? null,
  } satisfies Prisma.ConcertUpdateManyMutationInput;
}

/** Only the columns a partial request (PATCH) sent; `null` clears an optional one. */
function sentFields(input: ConcertUpdateRequest): Prisma.ConcertUpdateManyMutationInput {
  const start = requestedStart(input);
  return {
    ...(input.name !== undefined && { name: input.name }),
    ...(input.artist !== undefined && { artist: input.artist }),
    ...(input.venue !== undefined && { venue: input.venue }),
    ...(start !== undefined && { startsAt: start }),
    ...(input.capacity !== undefined && { capacity: input.capacity }),
    ...(input.description !== undefined && { description: input.description }),
    ...(input.ticket_price !== undefined && { ticketPrice: input.ticket_price }),
  };
}

export async function createConcert(
  prisma: PrismaClient,
  input: ConcertCreateRequest,
): Promise<Concert> {
  return prisma.$transaction(async (tx) => {
    const concert = await tx.concert.create({ data: { id: randomUUID(), ...allFields(input) } });
    await recordEvent(tx, ConcertCreated, toConcertSnapshot(concert));
    return concert;
  });
}

/** PUT: replaces every editable field, as the original system's update did. */
export function replaceConcert(
  prisma: PrismaClient,
  id: string,
  input: ConcertCreateRequest,
): Promise<Concert> {
  return changeConcert(prisma, id, allFields(input));
}

/** PATCH: changes only the fields sent. */
export function updateConcert(
  prisma: PrismaClient,
  id: string,
  input: ConcertUpdateRequest,
): Promise<Concert> {
  return changeConcert(prisma, id, sentFields(input));
}

/**
 * The version check in the WHERE clause makes two racing admins serialize: the loser re-reads
 * nothing stale, it gets a 409 and can retry.
 */
async function changeConcert(
  prisma: PrismaClient,
  id: string,
  data: Prisma.ConcertUpdateManyMutationInput,
): Promise<Concert> {
  return prisma.$transaction(async (tx) => {
    const current = await requireScheduled(tx, id);
    const changed = await tx.concert.updateManyAndReturn({
      where: { id, version: current.version },
      data: { ...data, version: { increment: 1 } },
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

/**
 * Removes a concert nobody holds a ticket for. Sold tickets are known from ticketing's TicketSold
 * events: a sale ticketing made but has not announced yet can race this (ticketing then keeps the
 * sold tickets and treats the concert as cancelled; see docs/SEED-COMPATIBILITY.md, Concerts).
 * ConcertDeleted carries the next version, above every snapshot, for consumers' tombstones.
 */
export async function deleteConcert(prisma: PrismaClient, id: string): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<{ version: number }[]>`
      SELECT version FROM concerts WHERE id = ${id}::uuid FOR UPDATE`;
    const concert = locked[0];
    if (!concert) throw new NotFoundError("Concert not found");
    const sold = await tx.soldTicket.count({ where: { concertId: id, refundedAt: null } });
    if (sold > 0) {
      throw new ConflictError(
        `Concert has ${sold} sold ticket(s) and cannot be deleted; cancel it instead with POST /api/concerts/${id}/cancel`,
      );
    }
    await tx.concert.delete({ where: { id } });
    await recordEvent(tx, ConcertDeleted, { concert_id: id, version: concert.version + 1 });
  });
}

async function requireScheduled(tx: Tx, id: string): Promise<Concert> {
  const concert = await tx.concert.findUnique({ where: { id } });
  if (!concert) throw new NotFoundError("Concert not found");
  if (concert.status === "cancelled") throw new ConflictError("Concert is cancelled");
  return concert;
}
