import { createHmac } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import jwt from "jsonwebtoken";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createTokenVerifier,
  loadSigningKey,
  loadVerificationKey,
  signAccessToken,
} from "../../src/index.js";

const identity = {
  userId: "00000000-0000-4000-8000-000000000001",
  email: "a@example.com",
  role: "scanner" as const,
  accessVersion: 1,
};

describe("access tokens", () => {
  it("round-trip with the development key pair every process on a machine shares", () => {
    const dir = mkdtempSync(join(tmpdir(), "keys-"));
    const config = { ENV: "development", ALGORITHM: "RS256" as const, DEV_KEYS_DIR: dir };
    const token = signAccessToken(loadSigningKey(config), identity, 60);
    expect(createTokenVerifier(loadVerificationKey(config))(token)).toEqual(identity);
  });

  it("honour the seed's HS256 SECRET_KEY when configured", () => {
    const config = { ENV: "development", ALGORITHM: "HS256" as const, SECRET_KEY: "s".repeat(40) };
    const token = signAccessToken(loadSigningKey(config), identity, 60);
    expect(jwt.decode(token, { complete: true })?.header.alg).toBe("HS256");
    expect(createTokenVerifier(loadVerificationKey(config))(token).role).toBe("scanner");
  });

  it("refuse a token signed by another key, with another algorithm or already expired", () => {
    const dir = mkdtempSync(join(tmpdir(), "keys-"));
    const verify = createTokenVerifier(
      loadVerificationKey({ ENV: "test", ALGORITHM: "RS256", DEV_KEYS_DIR: dir }),
    );
    const otherKey = loadSigningKey({
      ENV: "test",
      ALGORITHM: "RS256",
      DEV_KEYS_DIR: mkdtempSync(join(tmpdir(), "other-")),
    });
    expect(() => verify(signAccessToken(otherKey, identity, 60))).toThrow(/credentials/);
    const hs = loadSigningKey({ ENV: "test", ALGORITHM: "HS256", SECRET_KEY: "x".repeat(40) });
    expect(() => verify(signAccessToken(hs, identity, 60))).toThrow(/credentials/);
    const own = loadSigningKey({ ENV: "test", ALGORITHM: "RS256", DEV_KEYS_DIR: dir });
    expect(() => verify(signAccessToken(own, identity, -10))).toThrow(/expired/);
  });

  it("refuse an unsigned token (alg none) and an HS256 token whose secret is the public key", () => {
    const dir = mkdtempSync(join(tmpdir(), "keys-"));
    const verification = loadVerificationKey({
      ENV: "test",
      ALGORITHM: "RS256",
      DEV_KEYS_DIR: dir,
    });
    const verify = createTokenVerifier(verification);
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const claims = part({
      sub: identity.userId,
      email: identity.email,
      role: "admin",
      iss: "concert-identity",
      aud: "concert-api",
      iat: now,
      exp: now + 60,
    });
    const unsigned = `${part({ alg: "none", typ: "JWT" })}.${claims}.`;
    expect(() => verify(unsigned)).toThrow(/credentials/);
    // Key confusion: the public key is public, so a verifier that let the token pick HS256 would
    // accept anything signed with it as the secret.
    const publicPem = verification.key.export({ type: "spki", format: "pem" });
    const header = part({ alg: "HS256", typ: "JWT" });
    const signature = createHmac("sha256", publicPem)
      .update(`${header}.${claims}`)
      .digest("base64url");
    expect(() => verify(`${header}.${claims}.${signature}`)).toThrow(/credentials/);
  });

  it("refuse, with revocations, a token older than its user's latest access version; one without `av` counts as 1", () => {
    const dir = mkdtempSync(join(tmpdir(), "keys-"));
    const config = { ENV: "test", ALGORITHM: "RS256" as const, DEV_KEYS_DIR: dir };
    const signing = loadSigningKey(config);
    const latest = new Map([[identity.userId, 2]]);
    const verify = createTokenVerifier(loadVerificationKey(config), {
      isRevoked: ({ userId, accessVersion }) => accessVersion < (latest.get(userId) ?? 1),
    });
    expect(verify(signAccessToken(signing, { ...identity, accessVersion: 2 }, 60)).role).toBe(
      "scanner",
    );
    expect(() => verify(signAccessToken(signing, identity, 60))).toThrow(/revoked/);
    const legacy = jwt.sign({ email: identity.email, role: identity.role }, signing.key, {
      algorithm: "RS256",
      subject: identity.userId,
      expiresIn: 60,
      issuer: "concert-identity",
      audience: "concert-api",
    });
    expect(() => verify(legacy)).toThrow(/revoked/);
    latest.set(identity.userId, 1);
    expect(verify(legacy).accessVersion).toBe(1);
  });

  describe("remembered once verified", () => {
    afterEach(() => {
      vi.useRealTimers();
    });
    const setup = () => {
      const dir = mkdtempSync(join(tmpdir(), "keys-"));
      const config = { ENV: "test", ALGORITHM: "RS256" as const, DEV_KEYS_DIR: dir };
      return { signing: loadSigningKey(config), verification: loadVerificationKey(config) };
    };

    it("still check revocation on every call, so a revocation refuses a token verified before", () => {
      const { signing, verification } = setup();
      let latest = 1;
      const verify = createTokenVerifier(verification, {
        isRevoked: ({ accessVersion }) => accessVersion < latest,
      });
      const token = signAccessToken(signing, identity, 60);
      expect(verify(token)).toEqual(identity);
      expect(verify(token)).toEqual(identity);
      latest = 2;
      expect(() => verify(token)).toThrow(/revoked/);
      latest = 1;
      expect(verify(token)).toEqual(identity);
    });

    it("refuse a token verified before once its `exp` has passed", () => {
      const { signing, verification } = setup();
      const verify = createTokenVerifier(verification);
      vi.useFakeTimers({ now: Date.now(), toFake: ["Date"] });
      const token = signAccessToken(signing, identity, 60);
      expect(verify(token)).toEqual(identity);
      vi.advanceTimersByTime(59_000);
      expect(verify(token)).toEqual(identity);
      vi.advanceTimersByTime(2_000);
      expect(() => verify(token)).toThrow(/expired/);
      expect(() => verify(token)).toThrow(/expired/);
    });

    it("remember only what verified: an altered copy of a good token is refused each time", () => {
      const { signing, verification } = setup();
      const verify = createTokenVerifier(verification);
      const token = signAccessToken(signing, identity, 60);
      expect(verify(token)).toEqual(identity);
      const [header, , signature] = token.split(".");
      const forged = `${header}.${Buffer.from(
        JSON.stringify({ ...jwt.decode(token, { json: true }), role: "admin" }),
      ).toString("base64url")}.${signature}`;
      expect(() => verify(forged)).toThrow(/credentials/);
      expect(() => verify(forged)).toThrow(/credentials/);
      expect(verify(token).role).toBe("scanner");
    });

    it("give each call an identity nobody can change for the next one", () => {
      const { signing, verification } = setup();
      const verify = createTokenVerifier(verification);
      const token = signAccessToken(signing, identity, 60);
      const first = verify(token);
      expect(() => {
        (first as { role: string }).role = "admin";
      }).toThrow(TypeError);
      expect(verify(token).role).toBe("scanner");
    });
  });
});
