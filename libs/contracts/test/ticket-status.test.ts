import { describe, expect, it } from "vitest";
import {
  ADMISSIBLE_STATUSES,
  canTransition,
  GATE_ORDER,
  gateStatusesBelow,
  SOLD_STATUSES,
  statusesInto,
  UNSOLD_STATUS,
} from "../src/index.js";

describe("sets derived from the ticket transitions", () => {
  it("admit at the gate exactly the statuses that may become scanned_entry", () => {
    expect(ADMISSIBLE_STATUSES).toEqual(["sold", "transferred"]);
    expect(statusesInto("attended")).toEqual(["scanned_entry"]);
  });

  it("sell only unsold tickets and count as sold every status a sale leads to but refunded", () => {
    expect(statusesInto("sold")).toEqual([UNSOLD_STATUS]);
    expect([...SOLD_STATUSES].sort()).toEqual(["attended", "scanned_entry", "sold", "transferred"]);
  });

  it("order the gate's statuses so that each step up is an allowed transition", () => {
    for (let rank = 1; rank < GATE_ORDER.length; rank++) {
      for (const from of GATE_ORDER[rank - 1] ?? []) {
        for (const to of GATE_ORDER[rank] ?? []) expect(canTransition(from, to)).toBe(true);
      }
    }
    expect(gateStatusesBelow("scanned_entry")).toEqual(["sold", "transferred"]);
    expect(gateStatusesBelow("attended")).toEqual(["sold", "transferred", "scanned_entry"]);
    expect(() => gateStatusesBelow("refunded")).toThrow();
  });
});
