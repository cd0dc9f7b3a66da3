import { createPublicKey, type JsonWebKey } from "node:crypto";
import { startForFile } from "@concert/testing";
import jwt from "jsonwebtoken";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN, startTestIdentity } from "./helper.js";

const { service: identity } = startForFile(startTestIdentity);

async function register(body: Record<string, unknown>, token?: string) {
  return identity.app.inject({
    method: "POST",
    url: "/api/auth/register",
    payload: body,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

async function login(email: string, password: string) {
  return identity.app.inject({
    method: "POST",
    url: "/api/auth/login",
    payload: { email, password },
  });
}

async function changeRole(userId: string, role: string, token: string) {
  return identity.app.inject({
    method: "PATCH",
    url: `/api/auth/users/${userId}/role`,
    headers: { authorization: `Bearer ${token}` },
    payload: { role },
  });
}

async function tokenFor(email: string, password: string): Promise<string> {
  const response = await login(email, password);
  expect(response.statusCode).toBe(200);
  return response.json().access_token;
}

describe("registration", () => {
  it("creates a viewer and never returns the password hash", async () => {
    const response = await register({
      email: "Fan@Example.com",
      password: "secret-123",
      full_name: "Fan One",
    });
    expect(response.statusCode).toBe(201);
    const user = response.json();
    expect(user).toMatchObject({
      email: "fan@example.com",
      full_name: "Fan One",
      role: "viewer",
      is_active: true,
    });
    expect(JSON.stringify(user)).not.toMatch(/hash|secret-123/);
  });

  it("refuses an email that differs only in case with 409", async () => {
    await register({ email: "case@example.com", password: "secret-123", full_name: "A" });
    const again = await register({
      email: "CASE@example.com",
      password: "secret-123",
      full_name: "B",
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ detail: "Email already registered" });
  });

  it("refuses passwords under 8 characters with a validation detail list", async () => {
    const response = await register({
      email: "weak@example.com",
      password: "short",
      full_name: "W",
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().detail[0]).toMatchObject({
      loc: ["body", "password"],
      type: "too_small",
    });
  });

  it("refuses a role in the body unless an admin registers the user", async () => {
    const anonymous = await register({
      email: "x1@example.com",
      password: "secret-123",
      full_name: "X",
      role: "admin",
    });
    expect(anonymous.statusCode).toBe(403);

    await register({ email: "viewer2@example.com", password: "secret-123", full_name: "V" });
    const viewerToken = await tokenFor("viewer2@example.com", "secret-123");
    const byViewer = await register(
      { email: "x2@example.com", password: "secret-123", full_name: "X", role: "scanner" },
      viewerToken,
    );
    expect(byViewer.statusCode).toBe(403);
    const viewerMakingAdmin = await register(
      { username: "x3-user", email: "x3@example.com", password: "secret-123", role: "admin" },
      viewerToken,
    );
    expect(viewerMakingAdmin.statusCode).toBe(403);
    expect(viewerMakingAdmin.json()).toHaveProperty("detail");

    const adminToken = await tokenFor(ADMIN.email, ADMIN.password);
    const byAdmin = await register(
      { email: "gate1@example.com", password: "secret-123", full_name: "Gate", role: "scanner" },
      adminToken,
    );
    expect(byAdmin.statusCode).toBe(201);
    expect(byAdmin.json().role).toBe("scanner");
  });

  it("ignores unknown fields (never applies them) and refuses malformed JSON with 400", async () => {
    const unknown = await register({
      email: "u@example.com",
      password: "secret-123",
      full_name: "U",
      is_admin: true,
      is_active: false,
    });
    expect(unknown.statusCode).toBe(201);
    expect(unknown.json()).toMatchObject({ role: "viewer", is_active: true });
    const malformed = await identity.app.inject({
      method: "POST",
      url: "/api/auth/register",
      headers: { "content-type": "application/json" },
      payload: "{not json",
    });
    expect(malformed.statusCode).toBe(400);
    expect(typeof malformed.json().detail).toBe("string");
  });
});

describe("login", () => {
  it("returns a bearer token for JSON credentials that identity's key verifies", async () => {
    await register({ email: "login@example.com", password: "secret-123", full_name: "L" });
    const response = await login("LOGIN@example.com", "secret-123");
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ token_type: "bearer", expires_in: 30 * 60 });
    const header = jwt.decode(body.access_token, { complete: true });
    expect(header?.header.alg).toBe("RS256");
    expect(header?.payload).toMatchObject({ email: "login@example.com", role: "viewer" });
  });

  it("accepts the OAuth2 password form that Swagger's Authorize button sends", async () => {
    const response = await identity.app.inject({
      method: "POST",
      url: "/api/auth/login",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: `username=${encodeURIComponent(ADMIN.email)}&password=${encodeURIComponent(ADMIN.password)}`,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().access_token).toBeTypeOf("string");
  });

  it("answers a wrong password and an unknown email with the same 401", async () => {
    await register({ email: "same@example.com", password: "secret-123", full_name: "S" });
    const wrong = await login("same@example.com", "wrong-password");
    const unknown = await login("nobody@example.com", "wrong-password");
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
  });

  it("rate-limits repeated failures for an email with 429, even with the right password", async () => {
    await register({ email: "guessed@example.com", password: "secret-123", full_name: "G" });
    for (let i = 0; i < 5; i++)
      expect((await login("guessed@example.com", `nope-${i}`)).statusCode).toBe(401);
    const limited = await login("guessed@example.com", "secret-123");
    expect(limited.statusCode).toBe(429);
    expect(limited.headers["retry-after"]).toBeDefined();
  });
});

describe("me and user administration", () => {
  it("tells a signed-in user who they are and refuses anonymous callers", async () => {
    const token = await tokenFor(ADMIN.email, ADMIN.password);
    const me = await identity.app.inject({
      method: "GET",
      url: "/api/auth/me",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ email: ADMIN.email, role: "admin" });
    const anonymous = await identity.app.inject({ method: "GET", url: "/api/auth/me" });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toEqual({ detail: "Not authenticated" });
  });

  it("lets an admin list users and make a viewer a scanner, and nobody else", async () => {
    const created = await register({
      email: "promote@example.com",
      password: "secret-123",
      full_name: "P",
    });
    const viewerToken = await tokenFor("promote@example.com", "secret-123");
    const adminToken = await tokenFor(ADMIN.email, ADMIN.password);

    const list = await identity.app.inject({
      method: "GET",
      url: "/api/auth/users",
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(list.statusCode).toBe(200);
    expect(list.json().map((u: { email: string }) => u.email)).toContain("promote@example.com");

    const forbidden = await identity.app.inject({
      method: "GET",
      url: "/api/auth/users",
      headers: { authorization: `Bearer ${viewerToken}` },
    });
    expect(forbidden.statusCode).toBe(403);

    const changed = await changeRole(created.json().id, "scanner", adminToken);
    expect(changed.statusCode).toBe(200);
    expect(changed.json().role).toBe("scanner");
  });

  it("refuses to demote the last admin", async () => {
    const adminToken = await tokenFor(ADMIN.email, ADMIN.password);
    const me = await identity.app.inject({
      method: "GET",
      url: "/api/auth/me",
      headers: { authorization: `Bearer ${adminToken}` },
    });
    const response = await changeRole(me.json().id, "viewer", adminToken);
    expect(response.statusCode).toBe(409);
  });
});

describe("GET /api/auth/jwks.json", () => {
  it("publishes, to anyone, a key that verifies the tokens identity mints", async () => {
    const token = await tokenFor(ADMIN.email, ADMIN.password);

    const jwks = await identity.app.inject({ method: "GET", url: "/api/auth/jwks.json" });
    expect(jwks.statusCode).toBe(200);
    const keys: JsonWebKey[] = jwks.json().keys;
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ alg: "RS256", use: "sig", kty: "RSA" });
    expect(keys[0]).not.toHaveProperty("d");

    const key = createPublicKey({ key: keys[0] as JsonWebKey, format: "jwk" });
    const claims = jwt.verify(token, key, { algorithms: ["RS256"] });
    expect(claims).toMatchObject({ email: ADMIN.email, role: "admin" });
  });
});

/** Identity's outbox rows about one user, oldest first: what the relay will publish. */
function eventsAbout(userId: string) {
  return identity.infra.prisma.$queryRawUnsafe<
    Array<{ subject: string; name: string; version: number; payload: unknown }>
  >(
    `SELECT subject, envelope->>'name' AS name, (envelope->>'version')::int AS version,
            envelope->'payload' AS payload
       FROM outbox_events WHERE envelope->'payload'->>'user_id' = $1 ORDER BY created_at, id`,
    userId,
  );
}

describe("events identity records for other services", () => {
  const password = "secret-123";

  it("records UserRegistered when someone registers", async () => {
    const user = (await register({ email: "Eve@Example.com", password, full_name: "Eve" })).json();

    expect(await eventsAbout(user.id)).toEqual([
      {
        subject: "evt.identity.user.registered.v1",
        name: "UserRegistered",
        version: 1,
        payload: {
          user_id: user.id,
          email: "eve@example.com",
          username: "eve",
          full_name: "Eve",
          role: "viewer",
        },
      },
    ]);
  });

  it("records UserRoleChanged with the previous role and UserAccessChanged with the new version", async () => {
    const user = (await register({ email: "ray@example.com", password, full_name: "Ray" })).json();
    const adminToken = await tokenFor(ADMIN.email, ADMIN.password);
    expect((await changeRole(user.id, "scanner", adminToken)).statusCode).toBe(200);

    // One transaction stamps both with the same time: compare them as a set.
    const [registered, ...changes] = await eventsAbout(user.id);
    expect(registered?.name).toBe("UserRegistered");
    expect(changes.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      {
        subject: "evt.identity.user.access_changed.v1",
        name: "UserAccessChanged",
        version: 1,
        payload: { user_id: user.id, access_version: 2, role: "scanner", is_active: true },
      },
      {
        subject: "evt.identity.user.role_changed.v1",
        name: "UserRoleChanged",
        version: 1,
        payload: {
          user_id: user.id,
          email: "ray@example.com",
          role: "scanner",
          previous_role: "viewer",
        },
      },
    ]);
  });

  it("records nothing when the role does not change", async () => {
    const user = (await register({ email: "una@example.com", password, full_name: "Una" })).json();
    const adminToken = await tokenFor(ADMIN.email, ADMIN.password);
    expect((await changeRole(user.id, "viewer", adminToken)).statusCode).toBe(200);

    expect((await eventsAbout(user.id)).map((event) => event.name)).toEqual(["UserRegistered"]);
  });
});

describe("usernames, as the original system has them", () => {
  const password = "secret-123";

  it("registers with the original body and answers exactly the original user fields plus full_name", async () => {
    const response = await register({
      username: "Alice_1",
      email: "alice@example.com",
      password,
      role: "viewer",
    });
    expect(response.statusCode).toBe(201);
    const user = response.json();
    expect(Object.keys(user).sort()).toEqual([
      "created_at",
      "email",
      "full_name",
      "id",
      "is_active",
      "role",
      "updated_at",
      "username",
    ]);
    expect(user).toMatchObject({
      username: "Alice_1",
      email: "alice@example.com",
      full_name: null,
      role: "viewer",
      is_active: true,
    });
    expect(Date.parse(user.updated_at)).toBeGreaterThanOrEqual(Date.parse(user.created_at));
  });

  it("refuses a username taken by another account regardless of case with 409 saying so", async () => {
    await register({ username: "CaseUser", email: "case1@example.com", password });
    const again = await register({ username: "caseuser", email: "case2@example.com", password });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ detail: "Username already registered" });
  });

  it("says the email is taken when both are, and nothing is created", async () => {
    await register({ username: "both-taken", email: "both@example.com", password });
    const again = await register({ username: "Both-Taken", email: "BOTH@example.com", password });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ detail: "Email already registered" });
  });

  it("refuses usernames that are too short, too long or hold other characters with 422", async () => {
    for (const username of ["ab", "a".repeat(51), "has space", "at@sign", "émile"]) {
      const response = await register({ username, email: "bad-name@example.com", password });
      expect(response.statusCode, username).toBe(422);
      expect(response.json().detail[0].loc).toEqual(["body", "username"]);
    }
  });

  it("gives an account registered without a username one derived from its email", async () => {
    const first = await register({ email: "Derived.Person+tag@example.com", password });
    const second = await register({ email: "derived.person+tag@other.org", password });
    expect(first.json().username).toBe("derived.person_tag");
    expect(second.json().username).toBe("derived.person_tag2");
  });

  it("gives simultaneous registrations from the same local part different usernames", async () => {
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, i) => register({ email: `crowd@host${i}.com`, password })),
    );
    expect(responses.map((response) => response.statusCode)).toEqual(Array(6).fill(201));
    const usernames = responses.map((response) => response.json().username).sort();
    expect(usernames).toEqual(["crowd", "crowd2", "crowd3", "crowd4", "crowd5", "crowd6"]);
  });

  it("gives the first admin the username ADMIN_USERNAME (default admin)", async () => {
    const response = await identity.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { username: ADMIN.username, password: ADMIN.password },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().user).toMatchObject({ username: "admin", email: ADMIN.email });
  });
});

describe("login by username or email", () => {
  const password = "secret-123";
  const bob = { username: "Bob.Builder", email: "bob@example.com" };

  function loginWith(payload: Record<string, string>) {
    return identity.app.inject({ method: "POST", url: "/api/auth/login", payload });
  }

  function loginWithForm(username: string) {
    return identity.app.inject({
      method: "POST",
      url: "/api/auth/login",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: `username=${encodeURIComponent(username)}&password=${encodeURIComponent(password)}`,
    });
  }

  function expectSignedInAsBob(response: Awaited<ReturnType<typeof loginWith>>) {
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      token_type: "bearer",
      expires_in: 30 * 60,
      user: { username: "Bob.Builder", email: "bob@example.com", role: "viewer", is_active: true },
    });
    expect(jwt.decode(body.access_token)).toMatchObject({ email: "bob@example.com" });
  }

  beforeAll(async () => {
    expect((await register({ ...bob, password })).statusCode).toBe(201);
  });

  it("signs in with JSON {username, password}, the username in any case", async () => {
    expectSignedInAsBob(await loginWith({ username: "Bob.Builder", password }));
    expectSignedInAsBob(await loginWith({ username: "bob.builder", password }));
  });

  it("signs in with JSON {username, password} holding the email", async () => {
    expectSignedInAsBob(await loginWith({ username: "Bob@Example.com", password }));
  });

  it("signs in with JSON {email, password}", async () => {
    expectSignedInAsBob(await loginWith({ email: "bob@example.com", password }));
  });

  it("signs in with the OAuth2 password form by username and by email", async () => {
    expectSignedInAsBob(await loginWithForm("Bob.Builder"));
    expectSignedInAsBob(await loginWithForm("bob@example.com"));
  });

  it("answers the same user object at /me and in the admin's list", async () => {
    const signedIn = (await loginWith({ username: "Bob.Builder", password })).json();
    const me = await identity.app.inject({
      method: "GET",
      url: "/api/auth/me",
      headers: { authorization: `Bearer ${signedIn.access_token}` },
    });
    expect(me.json()).toEqual(signedIn.user);
    const adminToken = await tokenFor(ADMIN.email, ADMIN.password);
    const list = await identity.app.inject({
      method: "GET",
      url: "/api/auth/users",
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(list.json()).toContainEqual(signedIn.user);
  });

  it("counts failures per account whichever identifier was typed, then answers 429", async () => {
    await register({ username: "carol", email: "carol@example.com", password });
    for (let i = 0; i < 5; i++) {
      const identifier = i % 2 === 0 ? "Carol" : "carol@example.com";
      expect((await loginWith({ username: identifier, password: `nope-${i}` })).statusCode).toBe(
        401,
      );
    }
    expect((await loginWith({ username: "carol", password })).statusCode).toBe(429);
    expect((await loginWith({ email: "carol@example.com", password })).statusCode).toBe(429);
  });
});

describe("UserRegistered carries the username", () => {
  it("sends the username, and the username as display name when no full name was given", async () => {
    const user = (
      await register({ username: "Dana-D", email: "dana@example.com", password: "secret-123" })
    ).json();
    const [event] = await eventsAbout(user.id);
    expect(event?.payload).toEqual({
      user_id: user.id,
      email: "dana@example.com",
      username: "Dana-D",
      full_name: "Dana-D",
      role: "viewer",
    });
  });
});
