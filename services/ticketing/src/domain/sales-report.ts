import { type SalesReport, SOLD_STATUSES, type TicketStatus } from "@concert/contracts";
import { NotFoundError } from "@concert/service-kit";
import type { PrismaClient } from "../generated/prisma/client.js";

const REFUNDED: TicketStatus = "refunded";

export async function salesReport(prisma: PrismaClient, concertId: string): Promise<SalesReport> {
  const concert = await prisma.concert.findUnique({ where: { id: concertId } });
  if (!concert) throw new NotFoundError("Concert not found");
  const [totals] = await prisma.$queryRaw<
    {
      created: bigint;
      sold: bigint;
      refunded: bigint;
      revenue: string | null;
      refunded_amount: string | null;
    }[]
  >`
    SELECT count(*) AS created,
           count(*) FILTER (WHERE status = ANY(${SOLD_STATUSES}::"TicketStatus"[])) AS sold,
           count(*) FILTER (WHERE status = ${REFUNDED}::"TicketStatus") AS refunded,
           sum(price) FILTER (WHERE status = ANY(${SOLD_STATUSES}::"TicketStatus"[])) AS revenue,
           sum(price) FILTER (WHERE status = ${REFUNDED}::"TicketStatus") AS refunded_amount
      FROM tickets WHERE concert_id = ${concertId}::uuid`;
  const perDay = await prisma.$queryRaw<{ day: Date; sold: bigint; revenue: string | null }[]>`
    SELECT date_trunc('day', sold_at AT TIME ZONE 'UTC') AS day, count(*) AS sold, sum(price) AS revenue
      FROM tickets
     WHERE concert_id = ${concertId}::uuid AND sold_at IS NOT NULL
       AND status = ANY(${SOLD_STATUSES}::"TicketStatus"[])
     GROUP BY 1 ORDER BY 1`;
  const created = Number(totals?.created ?? 0);
  const sold = Number(totals?.sold ?? 0);
  return {
    concert_id: concertId,
    capacity: concert.capacity,
    created,
    sold,
    refunded: Number(totals?.refunded ?? 0),
    refunded_amount: Number(totals?.refunded_amount ?? 0),
    available: created - sold - Number(totals?.refunded ?? 0),
    revenue: Number(totals?.revenue ?? 0),
    sales_per_day: perDay.map((row) => ({
      date: row.day.toISOString().slice(0, 10),
      sold: Number(row.sold),
      revenue: Number(row.revenue ?? 0),
    })),
  };
}
