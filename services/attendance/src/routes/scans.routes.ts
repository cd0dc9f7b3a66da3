import {
  ErrorBody,
  SCAN_RESULT_STATUS,
  ScanListResponse,
  ScanRequest,
  ScanResponse,
} from "@concert/contracts";
import { compiledSerializerCompiler, identityOf } from "@concert/service-kit";
import { z } from "zod";
import type { AppContext } from "../app-context.js";
import { claimBatcher } from "../domain/claim-batcher.js";
import { CodeCheckOrder } from "../domain/code-check-order.js";
import { type GateDatabase, type GateSettings, recordScan } from "../domain/record-scan.js";
import { scansOfTicket } from "../domain/scan-view.js";

const TicketParams = z.object({ ticket_id: z.uuid() });
const errors = { 401: ErrorBody, 403: ErrorBody };
/** A denial is a recorded scan; the same statuses also carry the kit's `{detail}` errors. */
const DeniedScan = z.union([ScanResponse, ErrorBody]);

export function scansRoutes({ app, prisma, sql, guards, keys, config, logger }: AppContext): void {
  const settings: GateSettings = {
    ticketCodeKey: keys.ticketCodeVerify,
    doorsOpenBeforeMinutes: config.DOORS_OPEN_BEFORE_MINUTES,
    admitUntilAfterMinutes: config.ADMIT_UNTIL_AFTER_MINUTES,
  };
  const gate: GateDatabase = {
    sql,
    prisma,
    claims: claimBatcher(sql, config.SCAN_CLAIMS_AT_ONCE, logger),
    codeChecks: new CodeCheckOrder(),
  };
  const gateStaff = guards.requireRole("scanner", "admin");

  app.post(
    "/api/scans/",
    {
      preValidation: gateStaff,
      // The gate's hot path: its answer is built typed by recordScan (docs/BENCHMARKS.md).
      serializerCompiler: compiledSerializerCompiler,
      schema: {
        tags: ["scans"],
        summary: "Scan a ticket at the gate (scanner, admin)",
        description:
          "Name the ticket by exactly one of `qr_data`, `ticket_number` or `ticket_id` (a bare id admits only a ticket never transferred). With `concert_id`, only that concert's tickets admit; without it, only tickets whose concert's doors are open (from `DOORS_OPEN_BEFORE_MINUTES` before its start to `ADMIT_UNTIL_AFTER_MINUTES` after). Every scan is recorded, denials included. An admission or a confirmation answers 200; a denial answers 400 (already used, invalid code), 404 (unknown ticket) or 409 (not sold, refunded, replaced code, wrong or cancelled concert, outside the door window) with the same scan body: `admit: false`, `result` and `detail`. A retry with the same `scan_id` gets the same status and body.",
        body: ScanRequest,
        response: {
          200: ScanResponse,
          400: DeniedScan,
          404: DeniedScan,
          409: DeniedScan,
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const answer = await recordScan(gate, settings, request.body, identityOf(request).userId);
      // Derived from the stored result, so a replayed scan_id answers with the same status.
      return reply.code(SCAN_RESULT_STATUS[answer.result]).send(answer);
    },
  );

  app.get(
    "/api/scans/ticket/:ticket_id",
    {
      preValidation: gateStaff,
      schema: {
        tags: ["scans"],
        summary: "Scans of one ticket, newest first (scanner, admin)",
        params: TicketParams,
        response: { 200: ScanListResponse, ...errors },
      },
    },
    async (request) => scansOfTicket(prisma, request.params.ticket_id),
  );
}
