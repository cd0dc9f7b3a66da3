import { AttendanceQuery, AttendanceReport, ErrorBody } from "@concert/contracts";
import { z } from "zod";
import type { AppContext } from "../app-context.js";
import { attendanceReport } from "../domain/attendance-report.js";

const ConcertParams = z.object({ concert_id: z.uuid() });

export function attendanceReportRoutes({ app, prisma, guards }: AppContext): void {
  app.get(
    "/api/scans/concert/:concert_id/attendance",
    {
      preValidation: guards.requireRole("admin", "scanner"),
      schema: {
        tags: ["scans"],
        summary: "Who got in and when, for one concert (admin, scanner)",
        params: ConcertParams,
        querystring: AttendanceQuery,
        response: { 200: AttendanceReport, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) =>
      attendanceReport(prisma, request.params.concert_id, request.query.bucket_minutes),
  );
}
