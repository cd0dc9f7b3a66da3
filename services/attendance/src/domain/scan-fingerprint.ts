import { createHash } from "node:crypto";
import type { ScanRequest } from "@concert/contracts";

/**
 * What a scan_id stands for: the same kind of scan of the same code or number. A retry matches;
 * a device reusing the id for another ticket does not and gets a 409 instead of a wrong answer.
 */
export function scanFingerprint(request: ScanRequest): string {
  const scanned = request.qr_data
    ? `qr:${request.qr_data.trim()}`
    : request.ticket_id
      ? `id:${request.ticket_id}`
      : `no:${request.ticket_number}`;
  return createHash("sha256").update(`${request.scan_type}\n${scanned}`).digest("base64url");
}
