import { randomUUID } from "node:crypto";
import { eventually, startForFile } from "@concert/testing";
import jwt from "jsonwebtoken";
import { describe, expect, it } from "vitest";
import { ADMIN, startTestIdentity } from "./helper.js";

const { service: identity } = startForFile(startTestIdentity);

const password = "secret-123";

function call(method: "GET" | "POST" | "PATCH", url: string, token?: string, payload?: object) {
  return identity.app.inject({
    method,
    url,
    ...(payload && { payload }),
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

async function login(email: string): Promise<string> {
  const response = await call("POST", "/api/auth/login", undefined, {
    email,
    password: email === ADMIN.email ? ADMIN.password : password,
  });
  expect(response.statusCode).toBe(200);
  return response.json().access_token;
}

/** A new viewer: its id, email and a token. */
async function newUser(name: string) {
  const email = `${name}-${randomUUID().slice(0, 8)}@example.com`;
  const registered = await call("POST", "/api/auth/register", undefined, { email, password });
  expect(registered.statusCode).toBe(201);
  return { id: registered.json().id as string, email, token: await login(email) };
}

const setRole = (token: string, userId: string, role: string) =>
  call("PATCH", `/api/auth/users/${userId}/role`, token, { role });
const setActive = (token: string, userId: string, isActive: boolean) =>
  call("PATCH", `/api/auth/users/${userId}/active`, token, { is_active: isActive });

async function activeAdmins(): Promise<string[]> {
  const rows = await identity.infra.prisma.user.findMany({
    where: { role: "admin", isActive: true },
    select: { id: true },
  });
  return rows.map((row) => row.id);
}

async function rootId(root: string): Promise<string> {
  return (await call("GET", "/api/auth/me", root)).json().id;
}

// In file order: the first test needs the first admin to be the only one.
describe("access changes at identity", () => {
  it("refuses to demote or deactivate the last active admin with 409", async () => {
    const root = await login(ADMIN.email);
    const id = await rootId(root);
    expect(await activeAdmins()).toEqual([id]);

    const demoted = await setRole(root, id, "viewer");
    expect(demoted.statusCode).toBe(409);
    expect(demoted.json()).toEqual({ detail: "Cannot demote the last admin" });
    const deactivated = await setActive(root, id, false);
    expect(deactivated.statusCode).toBe(409);
    expect(deactivated.json()).toEqual({ detail: "Cannot deactivate the last admin" });
    expect(await activeAdmins()).toEqual([id]);
  });

  it("mints tokens with the user's access version, which every change bumps", async () => {
    const root = await login(ADMIN.email);
    const user = await newUser("versioned");
    expect(jwt.decode(user.token)).toMatchObject({ av: 1, role: "viewer" });

    expect((await setRole(root, user.id, "scanner")).statusCode).toBe(200);
    expect((await setActive(root, user.id, false)).statusCode).toBe(200);
    expect((await setActive(root, user.id, true)).statusCode).toBe(200);
    // No change, no bump.
    expect((await setActive(root, user.id, true)).statusCode).toBe(200);

    expect(jwt.decode(await login(user.email))).toMatchObject({ av: 4, role: "scanner" });
  });

  it("deactivates a user: its token is refused, it cannot log in; reactivating needs a new login", async () => {
    const root = await login(ADMIN.email);
    const user = await newUser("leaver");
    expect((await call("GET", "/api/auth/me", user.token)).statusCode).toBe(200);

    const deactivated = await setActive(root, user.id, false);
    expect(deactivated.statusCode).toBe(200);
    expect(deactivated.json()).toMatchObject({ id: user.id, is_active: false });

    await eventually(
      async () => (await call("GET", "/api/auth/me", user.token)).statusCode === 401,
    );
    expect((await call("GET", "/api/auth/me", user.token)).json()).toEqual({
      detail: "Token has been revoked",
    });
    const refused = await call("POST", "/api/auth/login", undefined, {
      email: user.email,
      password,
    });
    expect(refused.statusCode).toBe(401);

    expect((await setActive(root, user.id, true)).statusCode).toBe(200);
    const again = await login(user.email);
    await eventually(async () => (await call("GET", "/api/auth/me", again)).statusCode === 200);
    // The token from before the deactivation stays refused.
    expect((await call("GET", "/api/auth/me", user.token)).statusCode).toBe(401);
  });

  it("answers 404 for an unknown user and 403 for a caller who is no admin", async () => {
    const root = await login(ADMIN.email);
    const viewer = await newUser("nobody");
    expect((await setActive(root, randomUUID(), false)).statusCode).toBe(404);
    expect((await setActive(viewer.token, viewer.id, false)).statusCode).toBe(403);
  });

  it("trusts its own table over the token: an admin demoted before anyone heard of it is refused", async () => {
    const root = await login(ADMIN.email);
    const former = await newUser("former");
    expect((await setRole(root, former.id, "admin")).statusCode).toBe(200);
    const token = await login(former.email);
    expect((await call("GET", "/api/auth/users", token)).statusCode).toBe(200);

    // A demotion no verifier has heard of yet: the row changed, nothing was announced.
    await identity.infra.prisma.user.update({
      where: { id: former.id },
      data: { role: "viewer", accessVersion: { increment: 1 } },
    });

    const promoteSelf = await setRole(token, former.id, "admin");
    expect(promoteSelf.statusCode).toBe(401);
    expect(promoteSelf.json()).toEqual({ detail: "Token has been revoked" });
    const victim = await newUser("victim");
    expect((await setActive(token, victim.id, false)).statusCode).toBe(401);
    expect((await call("GET", "/api/auth/users", token)).statusCode).toBe(401);
    const newAdmin = await call("POST", "/api/auth/register", token, {
      email: `sneaky-${randomUUID().slice(0, 8)}@example.com`,
      password,
      role: "admin",
    });
    expect(newAdmin.statusCode).toBe(401);
    const row = await identity.infra.prisma.user.findUnique({ where: { id: former.id } });
    expect(row?.role).toBe("viewer");
  });

  it("never leaves zero admins when two admins demote or deactivate each other at once (10 rounds)", async () => {
    // Start from exactly one active admin: the first admin, alone after the tests above.
    let survivor = { id: await rootId(await login(ADMIN.email)), token: await login(ADMIN.email) };
    expect(await activeAdmins()).toEqual([survivor.id]);
    for (let round = 0; round < 10; round++) {
      const other = await newUser(`rival${round}`);
      expect((await setRole(survivor.token, other.id, "admin")).statusCode).toBe(200);
      const rival = { id: other.id, token: await login(other.email) };
      const strike = (from: typeof rival, to: typeof rival) =>
        round % 2 === 0
          ? setRole(from.token, to.id, "viewer")
          : setActive(from.token, to.id, false);

      const [first, second] = await Promise.all([strike(survivor, rival), strike(rival, survivor)]);
      const statuses = [first.statusCode, second.statusCode].sort();
      // One wins; the other is no admin by then (401/403) or would leave none (409). Never 5xx.
      expect(statuses[0]).toBe(200);
      expect([401, 403, 409]).toContain(statuses[1]);
      const admins = await activeAdmins();
      expect(admins).toHaveLength(1);
      survivor = first.statusCode === 200 ? survivor : rival;
      expect(admins).toEqual([survivor.id]);
    }
  });

  it("keeps at least one admin when a ring of five admins each demote the next at once (3 rounds)", async () => {
    const [survivorId] = await activeAdmins();
    const survivor = await identity.infra.prisma.user.findUniqueOrThrow({
      where: { id: survivorId as string },
    });
    let leader = await login(survivor.email);
    for (let round = 0; round < 3; round++) {
      const ring: Array<{ id: string; token: string }> = [];
      for (let i = 0; i < 4; i++) {
        const user = await newUser(`ring${round}-${i}`);
        expect((await setRole(leader, user.id, "admin")).statusCode).toBe(200);
        ring.push({ id: user.id, token: await login(user.email) });
      }
      const me = await call("GET", "/api/auth/me", leader);
      ring.push({ id: me.json().id, token: leader });

      const answers = await Promise.all(
        ring.map((admin, i) =>
          setRole(admin.token, ring[(i + 1) % ring.length]?.id as string, "viewer"),
        ),
      );
      for (const answer of answers) expect([200, 401, 403, 409]).toContain(answer.statusCode);
      const admins = await activeAdmins();
      expect(admins.length).toBeGreaterThanOrEqual(1);
      const next = await identity.infra.prisma.user.findUniqueOrThrow({
        where: { id: admins[0] as string },
      });
      leader = await login(next.email);
    }
  });
});
