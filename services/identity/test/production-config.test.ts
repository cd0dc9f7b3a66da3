import { ConfigError, loadServiceConfig, startService } from "@concert/service-kit";
import bcrypt from "bcrypt";
import { describe, expect, it } from "vitest";
import { identityConfig, identityProductionProblems } from "../src/config.js";
import { unknownAccountHash } from "../src/domain/passwords.js";
import { identityService } from "../src/service.js";

// Everything a production start needs besides identity's own settings, all acceptable.
const SAFE_SHARED = {
  ENV: "production",
  JWT_PUBLIC_KEY: "pem",
  CORS_ORIGINS: "https://tickets.example.com",
};
const SAFE_IDENTITY = { ADMIN_PASSWORD: "a-long-and-chosen-one", BCRYPT_ROUNDS: "12" };

function problems(env: Record<string, string>): string[] {
  try {
    loadServiceConfig("identity", identityConfig, env, identityProductionProblems);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

describe("identity refuses weak settings in production", () => {
  it("accepts chosen ones", () => {
    expect(problems({ ...SAFE_SHARED, ...SAFE_IDENTITY })).toEqual([]);
  });

  it("refuses the default admin password", () => {
    expect(
      problems({ ...SAFE_SHARED, ...SAFE_IDENTITY, ADMIN_PASSWORD: "change-me-admin" }),
    ).toEqual(["ADMIN_PASSWORD: still the default value; choose your own"]);
  });

  it("refuses BCRYPT_ROUNDS below 10, and its default of 10 is accepted", () => {
    expect(problems({ ...SAFE_SHARED, ...SAFE_IDENTITY, BCRYPT_ROUNDS: "9" })).toEqual([
      "BCRYPT_ROUNDS: below 10",
    ]);
    expect(problems({ ...SAFE_SHARED, ADMIN_PASSWORD: SAFE_IDENTITY.ADMIN_PASSWORD })).toEqual([]);
  });

  it("refuses CORS_ORIGINS allowing the origin null", () => {
    expect(
      problems({ ...SAFE_SHARED, ...SAFE_IDENTITY, CORS_ORIGINS: "https://a.example,null" }),
    ).toEqual(["CORS_ORIGINS: must not allow the origin 'null'"]);
  });

  it("lists every problem at once, and the service refuses to start with them", async () => {
    const weak = {
      ENV: "production",
      CORS_ORIGINS: "null",
      ADMIN_PASSWORD: "change-me-admin",
      BCRYPT_ROUNDS: "4",
    };
    expect(problems(weak)).toEqual([
      expect.stringMatching(/^JWT_PUBLIC_KEY/),
      expect.stringMatching(/^CORS_ORIGINS/),
      expect.stringMatching(/^ADMIN_PASSWORD/),
      expect.stringMatching(/^BCRYPT_ROUNDS/),
    ]);
    // Before any connection opens: nothing listens on these.
    const start = startService(identityService, {
      ...weak,
      DATABASE_URL: "postgresql://nobody@127.0.0.1:1/none",
      NATS_URL: "nats://127.0.0.1:1",
    });
    await expect(start).rejects.toThrow(ConfigError);
    await expect(start).rejects.toThrow(/ADMIN_PASSWORD[\s\S]*BCRYPT_ROUNDS/);
  });

  it("keeps development and test runs on their convenient defaults", () => {
    expect(problems({ ADMIN_PASSWORD: "change-me-admin", BCRYPT_ROUNDS: "4" })).toEqual([]);
  });

  it("refuses an ADMIN_PASSWORD over 72 bytes in any environment", () => {
    expect(problems({ ADMIN_PASSWORD: "é".repeat(40) })).toEqual([
      "ADMIN_PASSWORD: Password must be at most 72 bytes in UTF-8",
    ]);
  });
});

describe("the hash an unknown account is compared against", () => {
  it("has the configured cost, so refusing an unknown account takes as long as a wrong password", () => {
    for (const rounds of [4, 10, 12])
      expect(bcrypt.getRounds(unknownAccountHash(rounds))).toBe(rounds);
  });
});
