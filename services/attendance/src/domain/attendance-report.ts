import { type AttendanceReport, SOLD_STATUSES } from "@concert/contracts";
import { namedStatement } from "@concert/service-kit";
import type { PrismaClient } from "../generated/prisma/client.js";

/**
 * "Sold" counts every ticket someone holds or used, including one the gate admitted whose
 * snapshot still says otherwise: admission is attendance's own fact.
 */
const TOTALS = namedStatement<{ concert_id: string; sold: readonly string[] }>(`
SELECT count(*) FILTER (WHERE status = ANY(:sold::text[]) OR admitted_at IS NOT NULL)::int AS sold,
       count(*) FILTER (WHERE admitted_at IS NOT NULL)::int AS entered,
       count(*) FILTER (WHERE attended_at IS NOT NULL)::int AS attended
  FROM gate_tickets
 WHERE concert_id = :concert_id::uuid`);

/** Buckets aligned to the epoch, so 15-minute buckets start at :00, :15, :30 and :45 UTC. */
const ARRIVALS = namedStatement<{ concert_id: string; bucket_minutes: number }>(`
SELECT date_bin(make_interval(mins => :bucket_minutes::int), admitted_at, TIMESTAMPTZ '1970-01-01 00:00:00+00')
         AS bucket_start,
       count(*)::int AS count
  FROM gate_tickets
 WHERE concert_id = :concert_id::uuid AND admitted_at IS NOT NULL
 GROUP BY 1
 ORDER BY 1`);

export async function attendanceReport(
  prisma: PrismaClient,
  concertId: string,
  bucketMinutes: number,
): Promise<AttendanceReport> {
  const [totals] = await TOTALS.query<{ sold: number; entered: number; attended: number }>(prisma, {
    concert_id: concertId,
    sold: SOLD_STATUSES,
  });
  const arrivals = await ARRIVALS.query<{ bucket_start: Date; count: number }>(prisma, {
    concert_id: concertId,
    bucket_minutes: bucketMinutes,
  });
  const { sold = 0, entered = 0, attended = 0 } = totals ?? {};
  return {
    concert_id: concertId,
    total_sold: sold,
    total_attended: entered,
    attendance_rate: percentText(entered, sold),
    sold,
    entered,
    attended,
    not_yet_arrived: Math.max(0, sold - entered),
    attendance_ratio: sold === 0 ? 0 : Math.round((entered / sold) * 10_000) / 10_000,
    bucket_minutes: bucketMinutes,
    arrivals: arrivals.map((row) => ({
      bucket_start: row.bucket_start.toISOString(),
      count: row.count,
    })),
  };
}

/** The original's rate: a percentage with one decimal ("95.0%"), "0%" when nothing is sold. */
function percentText(part: number, whole: number): string {
  return whole === 0 ? "0%" : `${((part / whole) * 100).toFixed(1)}%`;
}
