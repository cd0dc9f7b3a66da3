import type { Pagination } from "@concert/contracts";
import type { Concert, PrismaClient } from "../generated/prisma/client.js";

/**
 * Upcoming concerts first (soonest first), then past ones (most recent first): what a box
 * office or a fan wants to see at the top.
 */
export async function listConcerts(prisma: PrismaClient, page: Pagination): Promise<Concert[]> {
  const ids = await prisma.$queryRawUnsafe<{ id: string }[]>(
    `SELECT id FROM concerts
      ORDER BY (starts_at < now()), CASE WHEN starts_at >= now() THEN starts_at END ASC,
               starts_at DESC, id
      LIMIT $1 OFFSET $2`,
    page.limit,
    page.offset,
  );
  const concerts = await prisma.concert.findMany({ where: { id: { in: ids.map((r) => r.id) } } });
  const byId = new Map(concerts.map((c) => [c.id, c]));
  return ids.flatMap((row) => byId.get(row.id) ?? []);
}
