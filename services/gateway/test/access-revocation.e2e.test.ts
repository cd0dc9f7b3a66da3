import { eventually, startForFile } from "@concert/testing";
import jwt from "jsonwebtoken";
import { describe, expect, it } from "vitest";
import { apiClient } from "./http-client.js";
import { ADMIN, startStack } from "./stack.js";

// Two gate replicas: every replica of a service must hear of every access change.
const { service: stack } = startForFile((infra) => startStack(infra, { attendanceReplicas: 2 }));

const { api, login, person } = apiClient(() => stack.url);

const PASSWORD = "password-123";

interface Injectable {
  app: {
    inject(options: {
      method: "GET" | "POST";
      url: string;
      payload?: object;
      headers: Record<string, string>;
    }): Promise<{ statusCode: number; json(): unknown }>;
  };
}

/** A request sent to one service instance itself, not through the gateway. */
function direct(service: Injectable, method: "GET" | "POST", url: string, token: string) {
  return service.app.inject({
    method,
    url,
    ...(method === "POST" && { payload: {} }),
    headers: { authorization: `Bearer ${token}` },
  });
}

const concert = () => ({
  name: "Revocation Night",
  date: new Date(Date.now() + 7 * 86_400_000).toISOString(),
  venue: "Hall 9",
  capacity: 10,
});

const setRole = (token: string, userId: string, role: string) =>
  api("PATCH", `/api/auth/users/${userId}/role`, { token, body: { role } });

describe("access taken back takes effect everywhere within seconds", () => {
  it("refuses a demoted admin's old token at the gateway and at catalog itself; it cannot promote itself back; a new login works as what it now is", async () => {
    const root = await login(ADMIN.email, ADMIN.password);
    const alice = await person("alice");
    const bob = await person("bob");
    expect((await setRole(root, alice.id, "admin")).status).toBe(200);
    const aliceAdmin = await login(alice.email, PASSWORD);
    // Admin A promotes B.
    expect((await setRole(aliceAdmin, bob.id, "admin")).status).toBe(200);
    const bobAdmin = await login(bob.email, PASSWORD);

    // A's token is an admin's, at the gateway and at catalog directly (which checks it itself).
    expect(
      (await api("POST", "/api/concerts/", { token: aliceAdmin, body: concert() })).status,
    ).toBe(201);
    // Past the guard, an empty body is the schema's 422: the token was accepted.
    expect((await direct(stack.catalog, "POST", "/api/concerts/", aliceAdmin)).statusCode).toBe(
      422,
    );

    // B demotes A.
    expect((await setRole(bobAdmin, alice.id, "viewer")).status).toBe(200);

    // Identity checks its own table: no waiting for the announcement.
    const promoteSelf = await setRole(aliceAdmin, alice.id, "admin");
    expect(promoteSelf.status).toBe(401);
    expect(promoteSelf.body).toEqual({ detail: "Token has been revoked" });

    await eventually(
      async () =>
        (await api("POST", "/api/concerts/", { token: aliceAdmin, body: concert() })).status ===
        401,
    );
    await eventually(
      async () =>
        (await direct(stack.catalog, "POST", "/api/concerts/", aliceAdmin)).statusCode === 401,
    );
    const atCatalog = await direct(stack.catalog, "GET", "/api/concerts/", aliceAdmin);
    expect(atCatalog.statusCode).toBe(401);
    expect(atCatalog.json()).toEqual({ detail: "Token has been revoked" });
    const atGateway = await api("GET", "/api/concerts/", { token: aliceAdmin });
    expect(atGateway.status).toBe(401);
    expect(atGateway.body).toEqual({ detail: "Token has been revoked" });
    expect((await setRole(aliceAdmin, alice.id, "admin")).status).toBe(401);

    const users = await api("GET", "/api/auth/users?limit=100", { token: root });
    expect(users.body.find((user: { id: string }) => user.id === alice.id).role).toBe("viewer");

    // A fresh login gets the new role, and that token works everywhere, as a viewer.
    const aliceViewer = await login(alice.email, PASSWORD);
    expect(jwt.decode(aliceViewer)).toMatchObject({ role: "viewer", av: 3 });
    expect((await api("GET", "/api/concerts/", { token: aliceViewer })).status).toBe(200);
    expect((await direct(stack.catalog, "GET", "/api/concerts/", aliceViewer)).statusCode).toBe(
      200,
    );
    expect(
      (await api("POST", "/api/concerts/", { token: aliceViewer, body: concert() })).status,
    ).toBe(403);
    expect((await setRole(aliceViewer, alice.id, "admin")).status).toBe(403);
  });

  it("refuses a deactivated user's token at the gateway, at every gate replica and at identity, and its login", async () => {
    const root = await login(ADMIN.email, ADMIN.password);
    const email = `gate-${Date.now()}@example.com`;
    const created = await api("POST", "/api/auth/register", {
      token: root,
      body: { email, password: PASSWORD, role: "scanner" },
    });
    expect(created.status).toBe(201);
    const scanner = await login(email, PASSWORD);
    for (const gate of stack.attendance) {
      // Past the guard: the empty scan is the schema's 422.
      expect((await direct(gate, "POST", "/api/scans/", scanner)).statusCode).toBe(422);
    }

    const deactivated = await api("PATCH", `/api/auth/users/${created.body.id}/active`, {
      token: root,
      body: { is_active: false },
    });
    expect(deactivated.status).toBe(200);
    expect(deactivated.body).toMatchObject({ id: created.body.id, is_active: false });

    await eventually(
      async () => (await api("GET", "/api/concerts/", { token: scanner })).status === 401,
    );
    for (const gate of stack.attendance) {
      await eventually(
        async () => (await direct(gate, "POST", "/api/scans/", scanner)).statusCode === 401,
      );
    }
    await eventually(
      async () => (await direct(stack.identity, "GET", "/api/auth/me", scanner)).statusCode === 401,
    );
    const again = await api("POST", "/api/auth/login", { body: { email, password: PASSWORD } });
    expect(again.status).toBe(401);
  });

  it("keeps the last admin: the only active admin can neither be demoted nor deactivated", async () => {
    const root = await login(ADMIN.email, ADMIN.password);
    const users = await api("GET", "/api/auth/users?limit=100", { token: root });
    const rootId = users.body.find((user: { email: string }) => user.email === ADMIN.email).id;
    // Demote every other admin, so that the first admin is the last one.
    for (const user of users.body as Array<{ id: string; role: string; is_active: boolean }>) {
      if (user.id !== rootId && user.role === "admin" && user.is_active) {
        expect((await setRole(root, user.id, "viewer")).status).toBe(200);
      }
    }
    const demote = await setRole(root, rootId, "viewer");
    expect(demote.status).toBe(409);
    expect(demote.body).toEqual({ detail: "Cannot demote the last admin" });
    const deactivate = await api("PATCH", `/api/auth/users/${rootId}/active`, {
      token: root,
      body: { is_active: false },
    });
    expect(deactivate.status).toBe(409);
    expect((await api("GET", "/api/auth/users", { token: root })).status).toBe(200);
  });

  it("reports in every process's readiness whether it has read the access changes", async () => {
    for (const service of [stack.gateway, stack.catalog, ...stack.attendance]) {
      const ready = await service.app.inject({ method: "GET", url: "/readyz" });
      expect(ready.statusCode).toBe(200);
      expect(ready.json().checks).toMatchObject({ access_revocations: "ok" });
    }
  });
});
