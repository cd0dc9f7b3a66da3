import { describe, expect, it } from "vitest";
import { connectionStringForSchema } from "../../src/database/index.js";

describe("connectionStringForSchema", () => {
  it("adds a search_path option and a schema parameter, encoded with %20 rather than +", () => {
    const url = connectionStringForSchema("postgres://u@h:5432/db", "catalog");
    expect(url).toBe("postgres://u@h:5432/db?schema=catalog&options=-c%20search_path%3Dcatalog");
  });

  it("keeps other parameters untouched and merges with existing options", () => {
    const url = connectionStringForSchema(
      "postgres://u@h/db?sslmode=disable&options=-c%20statement_timeout%3D5000%20-c%20search_path%3Dpublic&schema=public",
      "orders",
    );
    const params = new URL(url).searchParams;
    expect(url.startsWith("postgres://u@h/db?sslmode=disable&")).toBe(true);
    expect(params.get("schema")).toBe("orders");
    expect(params.get("options")).toBe("-c statement_timeout=5000 -c search_path=orders");
  });

  it("rejects schema names that would need quoting", () => {
    expect(() => connectionStringForSchema("postgres://u@h/db", "Bad-Name")).toThrow(
      /Invalid Postgres schema name/,
    );
    expect(() => connectionStringForSchema("postgres://u@h/db", 'x";drop')).toThrow();
  });
});
