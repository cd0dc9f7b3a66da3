import { describe, expect, it } from "vitest";
import { CodeCheckOrder } from "../src/domain/code-check-order.js";

const recorded = (order: CodeCheckOrder, matched: boolean, times: number) => {
  for (let i = 0; i < times; i++) order.record(matched);
  return order;
};

describe("which way a gate process checks codes", () => {
  it("goes by digest from the start, whatever its first claims showed", () => {
    expect(new CodeCheckOrder().byDigest()).toBe(true);
    expect(recorded(new CodeCheckOrder(), false, 31).byDigest()).toBe(true);
  });

  it("goes by digest while at least a third of the recent codes matched", () => {
    expect(recorded(recorded(new CodeCheckOrder(), true, 20), false, 40).byDigest()).toBe(true);
  });

  it("checks signatures first once fewer than a third had a matching digest", () => {
    expect(recorded(recorded(new CodeCheckOrder(), true, 20), false, 41).byDigest()).toBe(false);
    expect(recorded(new CodeCheckOrder(), false, 32).byDigest()).toBe(false);
  });

  it("forgets old claims: after a long run of misses, a short run of matches brings the digest back", () => {
    const order = recorded(new CodeCheckOrder(64), false, 10_000);
    expect(order.byDigest()).toBe(false);
    // Halving at each full window keeps the misses' weight under 64: far fewer than 10,000.
    recorded(order, true, 30);
    expect(order.byDigest()).toBe(true);
  });
});
