import { createPublicKey, type JsonWebKey } from "node:crypto";
import { startTestInfra, type TestInfra } from "@concert/testing";
import jwt from "jsonwebtoken";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, startTestIdentity, type TestIdentity } from "./helper.js";

let infra: TestInfra;
let identity: TestIdentity;

beforeAll(async () => {
  infra = await startTestInfra();
  identity = await startTestIdentity(infra);
});
afterAll(async () => {
  await identity?.close();
  await infra?.stop();
});

describe("GET /api/auth/jwks.json", () => {
  it("publishes, to anyone, a key that verifies the tokens identity mints", async () => {
    const login = await identity.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: ADMIN,
    });
    const token: string = login.json().access_token;

    const jwks = await identity.app.inject({ method: "GET", url: "/api/auth/jwks.json" });
    expect(jwks.statusCode).toBe(200);
    const keys: Array<JsonWebKey & { alg: string; use: string }> = jwks.json().keys;
    expect(keys).toHaveLength(1);
    const [jwk] = keys;
    expect(jwk).toMatchObject({ alg: "RS256", use: "sig", kty: "RSA" });
    expect(jwk).not.toHaveProperty("d");

    const key = createPublicKey({ key: jwk as JsonWebKey, format: "jwk" });
    const claims = jwt.verify(token, key, { algorithms: ["RS256"] });
    expect(claims).toMatchObject({ email: ADMIN.email, role: "admin" });
  });
});
