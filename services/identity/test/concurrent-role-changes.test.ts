import { startForFile } from "@concert/testing";
import { expect, it } from "vitest";
import { ADMIN, startTestIdentity } from "./helper.js";

const { service: identity } = startForFile(startTestIdentity);

const ROLES = ["admin", "scanner", "viewer"] as const;
const CALLS = 20;

async function adminToken(): Promise<string> {
  const response = await identity.app.inject({
    method: "POST",
    url: "/api/auth/login",
    payload: { email: ADMIN.email, password: ADMIN.password },
  });
  expect(response.statusCode).toBe(200);
  return response.json().access_token;
}

async function registered(email: string): Promise<string> {
  const response = await identity.app.inject({
    method: "POST",
    url: "/api/auth/register",
    payload: { email, password: "secret-123", full_name: "Target" },
  });
  expect(response.statusCode).toBe(201);
  return response.json().id;
}

/**
 * Role changes run SERIALIZABLE (two admins demoting each other must not both succeed), so
 * concurrent ones on the same users abort with a serialization failure. Each must answer what it
 * did (200), why it could not (409), or that it should be retried (503 + Retry-After): never 500.
 */
it(`${CALLS} concurrent role changes on the same two users, 5 rounds: never a 500`, async () => {
  const token = await adminToken();
  const users = [
    await registered("target-a@example.com"),
    await registered("target-b@example.com"),
  ];
  const statuses: Record<number, number> = {};
  for (let round = 0; round < 5; round++) {
    const responses = await Promise.all(
      Array.from({ length: CALLS }, (_, call) =>
        identity.app.inject({
          method: "PATCH",
          url: `/api/auth/users/${users[call % 2]}/role`,
          headers: { authorization: `Bearer ${token}` },
          payload: { role: ROLES[(call + round) % ROLES.length] },
        }),
      ),
    );
    for (const response of responses) {
      statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
      expect([200, 409, 503], response.body).toContain(response.statusCode);
      expect(response.json().detail ?? response.json().role).toBeDefined();
      // 1 s after a conflict; 2 s if the shared test server ran out of connections meanwhile.
      if (response.statusCode === 503) expect(response.headers["retry-after"]).toMatch(/^[12]$/);
    }
  }
  console.log(`${CALLS * 5} concurrent role changes answered`, statuses);
});
