import { ErrorBody, ScanListResponse, ScanRequest, ScanResponse } from "@concert/contracts";
import { identityOf } from "@concert/service-kit";
import { z } from "zod";
import type { AppContext } from "../app-context.js";
import { recordScan } from "../domain/record-scan.js";
import { toScanResponse } from "../domain/scan-view.js";

const TicketParams = z.object({ ticket_id: z.uuid() });
const errors = { 401: ErrorBody, 403: ErrorBody };

export function scansRoutes({ app, prisma, guards, keys }: AppContext): void {
  const ticketCodeKey = keys.ticketCodeVerify;
  const gateStaff = guards.requireRole("scanner", "admin");

  app.post(
    "/api/scans/",
    {
      preHandler: gateStaff,
      schema: {
        tags: ["scans"],
        summary: "Scan a ticket at the gate (scanner, admin)",
        description:
          "Every decided scan answers 200 and is recorded, denials included: the device switches on `result` and `admit`.",
        body: ScanRequest,
        response: { 200: ScanResponse, 409: ErrorBody, ...errors },
      },
    },
    async (request) => recordScan(prisma, ticketCodeKey, request.body, identityOf(request).userId),
  );

  app.get(
    "/api/scans/ticket/:ticket_id",
    {
      preHandler: gateStaff,
      schema: {
        tags: ["scans"],
        summary: "Scans of one ticket, newest first (scanner, admin)",
        params: TicketParams,
        response: { 200: ScanListResponse, ...errors },
      },
    },
    async (request) => {
      const scans = await prisma.scan.findMany({
        where: { ticketId: request.params.ticket_id },
        orderBy: [{ scannedAt: "desc" }, { id: "desc" }],
      });
      return scans.map(toScanResponse);
    },
  );
}
