import { describe, expect, it } from "vitest";
import { ConfigError, loadServiceConfig } from "../../src/index.js";

const load = (env: Record<string, string>) => loadServiceConfig("catalog", undefined, env);

describe("service configuration", () => {
  it("starts with nothing set, on local defaults", () => {
    const config = load({});
    expect(config).toMatchObject({
      ENV: "development",
      PORT: 8002,
      databaseSchema: "catalog",
      ALGORITHM: "RS256",
    });
    expect(config.databaseUrl).toMatch(/^postgresql:\/\/.*127\.0\.0\.1/);
  });

  it("reads the seed's SQLAlchemy DATABASE_URL and lets a per-service URL override it", () => {
    expect(load({ DATABASE_URL: "postgresql+asyncpg://u:p@db/app" }).databaseUrl).toBe(
      "postgresql://u:p@db/app",
    );
    expect(
      load({
        DATABASE_URL: "postgresql://u@db/app",
        CATALOG_DATABASE_URL: "postgresql://c@other/cat",
      }).databaseUrl,
    ).toBe("postgresql://c@other/cat");
  });

  it("spaces the outbox relay's passes 5 ms apart unless told, and refuses a negative spacing", () => {
    expect(load({}).OUTBOX_PASS_SPACING_MS).toBe(5);
    expect(load({ OUTBOX_PASS_SPACING_MS: "20" }).OUTBOX_PASS_SPACING_MS).toBe(20);
    expect(() => load({ OUTBOX_PASS_SPACING_MS: "-1" })).toThrow(/OUTBOX_PASS_SPACING_MS/);
  });

  it("names every bad variable in one error", () => {
    try {
      load({ PORT: "eighty", ALGORITHM: "none", DATABASE_URL: "mysql://x" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toMatch(/PORT/);
      expect(message).toMatch(/ALGORITHM/);
      expect(message).toMatch(/DATABASE_URL/);
    }
  });

  it("refuses to start in production on a generated key, a weak secret or CORS open to all", () => {
    expect(() => load({ ENV: "production", CORS_ORIGINS: "https://tickets.example.com" })).toThrow(
      /JWT_PUBLIC_KEY/,
    );
    expect(() =>
      load({
        ENV: "production",
        ALGORITHM: "HS256",
        SECRET_KEY: "short",
        CORS_ORIGINS: "https://a.example",
      }),
    ).toThrow(/SECRET_KEY/);
    expect(() =>
      load({
        ENV: "production",
        ALGORITHM: "HS256",
        SECRET_KEY: "your-secret-key-change-in-production",
        CORS_ORIGINS: "https://a.example",
      }),
    ).toThrow(/example value/);
    expect(() => load({ ENV: "production", JWT_PUBLIC_KEY: "pem", CORS_ORIGINS: "*" })).toThrow(
      /CORS_ORIGINS/,
    );
    expect(
      load({
        ENV: "production",
        ALGORITHM: "HS256",
        SECRET_KEY: "x".repeat(40),
        CORS_ORIGINS: "https://a.example",
      }).ENV,
    ).toBe("production");
  });

  it("refuses the origin 'null' in production, alone or in a list", () => {
    for (const origins of ["null", "https://a.example,null", "https://a.example, NULL"]) {
      expect(() =>
        load({ ENV: "production", JWT_PUBLIC_KEY: "pem", CORS_ORIGINS: origins }),
      ).toThrow(/CORS_ORIGINS: must not allow the origin 'null'/);
    }
    expect(load({ CORS_ORIGINS: "null" }).CORS_ORIGINS).toEqual(["null"]);
  });

  it("lists a service's own production problems with the shared ones, in one error", () => {
    const refuse = (config: { ENV: string }) => (config.ENV ? ["OWN_SETTING: too weak"] : []);
    try {
      loadServiceConfig("catalog", undefined, { ENV: "production", CORS_ORIGINS: "null" }, refuse);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        expect.stringMatching(/^JWT_PUBLIC_KEY/),
        expect.stringMatching(/^CORS_ORIGINS: must not allow the origin 'null'/),
        "OWN_SETTING: too weak",
      ]);
    }
    // Outside production they are not even asked for.
    expect(loadServiceConfig("catalog", undefined, { ENV: "development" }, refuse).ENV).toBe(
      "development",
    );
  });
});
