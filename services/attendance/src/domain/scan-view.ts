import type { ScanResponse, ScanResult, ScanType } from "@concert/contracts";
import type { PrismaClient, Scan } from "../generated/prisma/client.js";

/** The stored scan is the answer: a retry with the same scan_id gets exactly this back. */
export function toScanResponse(scan: Scan): ScanResponse {
  return {
    id: scan.id,
    admit: scan.admit,
    result: scan.result as ScanResult,
    detail: scan.detail,
    ticket_id: scan.ticketId,
    ticket_number: scan.ticketNumber,
    concert_id: scan.concertId,
    scan_type: scan.scanType as ScanType,
    gate: scan.gate,
    device_id: scan.deviceId,
    scanned_by: scan.scannedBy,
    scanned_at: scan.scannedAt.toISOString(),
    scanner_id: scan.scannedBy,
    location: scan.gate,
    notes: scan.notes,
    first_admitted_at: scan.firstAdmittedAt?.toISOString() ?? null,
    first_admitted_gate: scan.firstAdmittedGate,
  };
}

/** Every scan of a ticket, denials included, newest first. */
export async function scansOfTicket(
  prisma: PrismaClient,
  ticketId: string,
): Promise<ScanResponse[]> {
  const scans = await prisma.scan.findMany({
    where: { ticketId },
    orderBy: [{ scannedAt: "desc" }, { id: "desc" }],
  });
  return scans.map(toScanResponse);
}
