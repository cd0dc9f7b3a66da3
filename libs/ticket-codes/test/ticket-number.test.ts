import { describe, expect, it } from "vitest";
import { newTicketNumber, normalizeTicketNumber } from "../src/index.js";

describe("ticket numbers", () => {
  it("are eight unambiguous characters in two groups", () => {
    for (let i = 0; i < 200; i++)
      expect(newTicketNumber()).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
  });

  it("read back what a person typed in lower case, without the dash, with O for 0 or l for 1", () => {
    expect(normalizeTicketNumber("k7m2 9qxa")).toBe("K7M2-9QXA");
    expect(normalizeTicketNumber("AB0O-1ILX")).toBe("AB00-111X");
  });
});
