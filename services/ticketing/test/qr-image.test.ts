import { randomBytes, randomUUID } from "node:crypto";
import QRCode from "qrcode";
import { describe, expect, it } from "vitest";
import { qrWithBestMask } from "../src/domain/qr-best-mask.js";

/** Texts shaped like a ticket's QR text, and others of every length up to a version-10 symbol. */
function sampleTexts(): string[] {
  const tickets = Array.from({ length: 150 }, () =>
    JSON.stringify({
      ticket_id: randomUUID(),
      ticket_number: randomBytes(4).toString("hex").toUpperCase(),
      concert_id: randomUUID(),
      v: 1 + ((randomBytes(1)[0] as number) % 3),
      sig: randomBytes(64).toString("base64url"),
    }),
  );
  const lengths = Array.from({ length: 150 }, (_, i) => 1 + i * 1.4);
  return [...tickets, ...lengths.map((n) => randomBytes(Math.ceil(n)).toString("latin1"))];
}

describe("the QR code drawn for a ticket", () => {
  it("has exactly the modules qrcode itself makes, best mask included, for 300 texts", () => {
    for (const text of sampleTexts()) {
      const data = Buffer.from(text, "latin1");
      const theirs = QRCode.create([{ data, mode: "byte" }], { errorCorrectionLevel: "M" });
      const ours = qrWithBestMask(data, "M");
      expect(ours.size).toBe(theirs.modules.size);
      expect(Buffer.from(ours.data).equals(Buffer.from(theirs.modules.data))).toBe(true);
    }
  });
});
