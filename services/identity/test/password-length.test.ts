import { startForFile } from "@concert/testing";
import { describe, expect, it } from "vitest";
import { startTestIdentity } from "./helper.js";

const { service: identity } = startForFile(startTestIdentity);

const register = (email: string, password: string) =>
  identity.app.inject({ method: "POST", url: "/api/auth/register", payload: { email, password } });
const login = (username: string, password: string) =>
  identity.app.inject({ method: "POST", url: "/api/auth/login", payload: { username, password } });

// "é" is one character and two bytes in UTF-8: bcrypt counts bytes.
const BYTES_72 = "é".repeat(36);
const BYTES_80 = "é".repeat(40);

describe("passwords bcrypt would cut", () => {
  it("refuses one over 72 bytes, though under 72 characters, with 422 naming the field", async () => {
    expect(BYTES_80.length).toBe(40);
    const response = await register("long@example.com", BYTES_80);
    expect(response.statusCode).toBe(422);
    expect(response.json().detail).toEqual([
      expect.objectContaining({
        loc: ["body", "password"],
        msg: "Password must be at most 72 bytes in UTF-8",
      }),
    ]);
    // Nothing was created: the email is still free.
    expect((await register("long@example.com", BYTES_72)).statusCode).toBe(201);
  });

  it("keeps every byte of one of exactly 72 bytes: a different last character does not sign in", async () => {
    await register("exact@example.com", BYTES_72);
    expect((await login("exact@example.com", BYTES_72)).statusCode).toBe(200);
    expect((await login("exact@example.com", `${"é".repeat(35)}e_`)).statusCode).toBe(401);
  });

  it("answers a login with a longer password like any wrong one, even when its first 72 bytes are right", async () => {
    // bcrypt alone would accept this: it reads the first 72 bytes only.
    const response = await login("exact@example.com", `${BYTES_72}extra`);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: "Incorrect username or password" });
  });
});
