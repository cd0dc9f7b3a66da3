import { ConcertIdParams, ErrorBody, SalesReport } from "@concert/contracts";
import type { AppContext } from "../app-context.js";
import { salesReport } from "../domain/sales-report.js";

export function salesReportRoutes({ app, prisma, guards }: AppContext): void {
  app.get(
    "/api/tickets/concert/:concert_id/sales",
    {
      preValidation: guards.requireRole("admin"),
      schema: {
        tags: ["tickets"],
        summary: "Sales of a concert: created, sold, refunded, revenue, sales per day (admin)",
        params: ConcertIdParams,
        response: { 200: SalesReport, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => salesReport(prisma, request.params.concert_id),
  );
}
