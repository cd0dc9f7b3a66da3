import { describe, expect, it } from "vitest";
import { instantOf } from "../src/index.js";

const iso = (value: string | number) => {
  const instant = instantOf(value);
  return Number.isNaN(instant.getTime()) ? "no start" : instant.toISOString();
};

describe("a concert's start, in the forms pydantic's datetime took", () => {
  it("reads ISO 8601 with T or a space, seconds and fractions optional, UTC without an offset", () => {
    expect(iso("2026-12-01T20:00")).toBe("2026-12-01T20:00:00.000Z");
    expect(iso("2026-12-01 20:00:05")).toBe("2026-12-01T20:00:05.000Z");
    expect(iso("2026-12-01t20:00:05.123456")).toBe("2026-12-01T20:00:05.123Z");
    expect(iso("2026-12-01T20:00:05.1z")).toBe("2026-12-01T20:00:05.100Z");
  });

  it("applies an offset with or without its colon", () => {
    expect(iso("2026-12-01T20:00+01:00")).toBe("2026-12-01T19:00:00.000Z");
    expect(iso("2026-12-01 20:00-0530")).toBe("2026-12-02T01:30:00.000Z");
    expect(iso("2026-01-01T00:30+01:00")).toBe("2025-12-31T23:30:00.000Z");
  });

  it("reads a bare day as its midnight, and Unix time in seconds or, beyond 2e10, milliseconds", () => {
    expect(iso("2026-12-01")).toBe("2026-12-01T00:00:00.000Z");
    expect(iso(1_796_083_200)).toBe("2026-12-01T00:00:00.000Z");
    expect(iso("1796083200.5")).toBe("2026-12-01T00:00:00.500Z");
    expect(iso(1_796_083_200_000)).toBe("2026-12-01T00:00:00.000Z");
  });

  it("names no start for a day or time that does not exist, or any other text", () => {
    for (const text of [
      "2026-02-29T20:00",
      "2026-13-01",
      "2026-12-01T24:00",
      "2026-12-01T20:60",
      "2026-12-01T20:00:60",
      "2026-12-01T20:00+24:00",
      "2026-12-01T20",
      "2026-12-01T20:00+01",
      "2026-12-01  20:00",
      "01/12/2026",
      "tomorrow",
      "",
      1e20,
    ]) {
      expect(iso(text), String(text)).toBe("no start");
    }
    expect(iso("2028-02-29T20:00")).toBe("2028-02-29T20:00:00.000Z");
  });
});
