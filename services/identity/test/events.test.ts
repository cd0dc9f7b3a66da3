import { startTestInfra, type TestInfra } from "@concert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, startTestIdentity, type TestIdentity } from "./helper.js";

let infra: TestInfra;
let identity: TestIdentity;
let adminToken: string;

beforeAll(async () => {
  infra = await startTestInfra();
  identity = await startTestIdentity(infra);
  const login = await identity.app.inject({
    method: "POST",
    url: "/api/auth/login",
    payload: ADMIN,
  });
  adminToken = login.json().access_token;
});
afterAll(async () => {
  await identity?.close();
  await infra?.stop();
});

interface OutboxRow {
  id: string;
  subject: string;
  envelope: { id: string; name: string; version: number; payload: Record<string, unknown> };
}

/** What identity's outbox holds about one user, oldest first. */
function outboxRowsAbout(userId: string): Promise<OutboxRow[]> {
  return identity.infra.prisma.$queryRawUnsafe<OutboxRow[]>(
    `SELECT id::text, subject, envelope FROM outbox_events
      WHERE envelope->'payload'->>'user_id' = $1 ORDER BY created_at, id`,
    userId,
  );
}

async function register(email: string) {
  return identity.app.inject({
    method: "POST",
    url: "/api/auth/register",
    payload: { email, password: "secret-123", full_name: "Eve Event" },
  });
}

async function changeRole(userId: string, role: string) {
  return identity.app.inject({
    method: "PATCH",
    url: `/api/auth/users/${userId}/role`,
    headers: { authorization: `Bearer ${adminToken}` },
    payload: { role },
  });
}

describe("events identity records for other services", () => {
  it("records UserRegistered when someone registers", async () => {
    const user = (await register("Eve@Example.com")).json();

    const rows = await outboxRowsAbout(user.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.subject).toBe("evt.identity.user.registered.v1");
    expect(rows[0]?.envelope).toMatchObject({
      id: rows[0]?.id,
      name: "UserRegistered",
      version: 1,
      payload: {
        user_id: user.id,
        email: "eve@example.com",
        full_name: "Eve Event",
        role: "viewer",
      },
    });
  });

  it("records UserRoleChanged with the previous role when an admin changes a role", async () => {
    const user = (await register("promoted@example.com")).json();
    expect((await changeRole(user.id, "scanner")).statusCode).toBe(200);

    const rows = await outboxRowsAbout(user.id);
    expect(rows.map((row) => row.subject)).toEqual([
      "evt.identity.user.registered.v1",
      "evt.identity.user.role_changed.v1",
    ]);
    expect(rows[1]?.envelope).toMatchObject({
      id: rows[1]?.id,
      name: "UserRoleChanged",
      version: 1,
      payload: {
        user_id: user.id,
        email: "promoted@example.com",
        role: "scanner",
        previous_role: "viewer",
      },
    });
  });

  it("records nothing when the role does not change", async () => {
    const user = (await register("unchanged@example.com")).json();
    expect((await changeRole(user.id, "viewer")).statusCode).toBe(200);

    expect((await outboxRowsAbout(user.id)).map((row) => row.subject)).toEqual([
      "evt.identity.user.registered.v1",
    ]);
  });
});
