import { describe, expect, it } from "vitest";
import { namedStatement } from "../../src/database/index.js";

describe("namedStatement", () => {
  const statement = namedStatement<{ id: string; at: Date | null }>(
    "SELECT :id::uuid, :at::timestamptz, '00:00'::time, :id::text",
  );

  it("numbers each name once, in order of first use, leaving casts and literals alone", () => {
    expect(statement.sql).toBe("SELECT $1::uuid, $2::timestamptz, '00:00'::time, $1::text");
    expect(statement.names).toEqual(["id", "at"]);
  });

  it("picks the values by name, null included, and refuses a missing one", () => {
    expect(statement.values({ at: null, id: "x" })).toEqual(["x", null]);
    expect(() => statement.values({ id: "x" } as never)).toThrow(":at");
  });
});
