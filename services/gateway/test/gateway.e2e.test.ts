import { ConcertCreated } from "@concert/contracts";
import { streamNames } from "@concert/service-kit";
import { startForFile } from "@concert/testing";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import jwt from "jsonwebtoken";
import { describe, expect, it } from "vitest";
import { apiClient } from "./http-client.js";
import { startLoneGateway } from "./lone-gateway.js";
import { ADMIN, startStack } from "./stack.js";

const { service: stack, infra } = startForFile(startStack);

const { api, login } = apiClient(() => stack.url);

const concertBody = {
  name: "Gateway Night",
  artist: "Proxies",
  venue: "Hall 1",
  starts_at: new Date(Date.now() + 7 * 86_400_000).toISOString(),
  capacity: 50,
};

describe("a frontend's first session through the gateway", () => {
  it("registers, logs in, lets the admin create a concert and the viewer list it", async () => {
    const registered = await api("POST", "/api/auth/register", {
      body: { email: "viewer@example.com", password: "viewer-pass-1", full_name: "Vera Viewer" },
    });
    expect(registered.status).toBe(201);
    expect(registered.body.role).toBe("viewer");

    const viewer = await login("viewer@example.com", "viewer-pass-1");
    const admin = await login(ADMIN.email, ADMIN.password);

    const created = await api("POST", "/api/concerts/", { token: admin, body: concertBody });
    expect(created.status).toBe(201);

    const listed = await api("GET", "/api/concerts/", { token: viewer });
    expect(listed.status).toBe(200);
    expect(listed.body.map((c: { id: string }) => c.id)).toContain(created.body.id);

    const me = await api("GET", "/api/auth/me", {
      token: viewer,
      headers: { "x-request-id": "trace-me-123" },
    });
    expect(me.body.email).toBe("viewer@example.com");
    // The id the client chose reaches the service and comes back, for tracing across services.
    expect(me.headers.get("x-request-id")).toBe("trace-me-123");
  });

  it("refuses a viewer creating a concert with 403, even when it claims to be an admin in headers", async () => {
    await api("POST", "/api/auth/register", {
      body: { email: "sneaky@example.com", password: "sneaky-pass-1", full_name: "Sneaky" },
    });
    const viewer = await login("sneaky@example.com", "sneaky-pass-1");
    const response = await api("POST", "/api/concerts/", {
      token: viewer,
      body: concertBody,
      headers: { "x-user-role": "admin", "x-user-id": "00000000-0000-4000-8000-000000000000" },
    });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ detail: "Not enough permissions" });
  });

  it("logs in with the OAuth2 form that the docs' Authorize button posts", async () => {
    const response = await fetch(`${stack.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: ADMIN.email, password: ADMIN.password }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { token_type: string }).token_type).toBe("bearer");
  });
});

describe("tokens the gateway refuses with 401", () => {
  const signing = () => stack.identity.keys.tokenSigning;
  const claims = { email: ADMIN.email, role: "admin" };
  const common = {
    issuer: "concert-identity",
    audience: "concert-api",
    subject: "00000000-0000-4000-8000-000000000001",
  };

  it.each([
    ["no token", () => undefined],
    [
      "an expired token",
      () =>
        jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 }, signing().key, {
          algorithm: "RS256",
          ...common,
        }),
    ],
    [
      "a tampered token",
      async () => {
        const token = await login(ADMIN.email, ADMIN.password);
        const [header, payload, signature] = token.split(".");
        const forged = Buffer.from(
          JSON.stringify({
            ...JSON.parse(Buffer.from(payload as string, "base64url").toString()),
            role: "admin",
            email: "x@example.com",
          }),
        ).toString("base64url");
        return `${header}.${forged}.${signature}`;
      },
    ],
    ["an alg:none token", () => jwt.sign({ ...claims }, "", { algorithm: "none", ...common })],
    [
      "an HS256 token signed with a guessed secret",
      () => jwt.sign({ ...claims }, "secret", { algorithm: "HS256", ...common }),
    ],
  ])("%s", async (_name, makeToken) => {
    const token = await makeToken();
    const response = await api("GET", "/api/concerts/", token ? { token } : {});
    expect(response.status).toBe(401);
    expect(typeof response.body.detail).toBe("string");
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
  });
});

describe("bad requests and failing services", () => {
  it("answers malformed and invalid bodies with 4xx and a detail", async () => {
    const admin = await login(ADMIN.email, ADMIN.password);
    const broken = await api("POST", "/api/concerts/", { token: admin, body: "{not json" });
    expect(broken.status).toBe(400);
    expect(typeof broken.body.detail).toBe("string");
    const invalid = await api("POST", "/api/concerts/", {
      token: admin,
      body: { ...concertBody, capacity: 0 },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body.detail[0].loc).toEqual(["body", "capacity"]);
    const unknownRoute = await api("GET", "/api/nothing-here", { token: admin });
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.body).toEqual({ detail: "Not Found" });
  });

  it("answers 503 with a detail when the service behind a route is down", async () => {
    // A gateway of its own whose transfers service is down: nothing listens on port 9.
    const gateway = await startLoneGateway({ TRANSFERS_URLS: "http://127.0.0.1:9" });
    try {
      const response = await fetch(`${gateway.url}/api/transfers/pending`, {
        headers: { authorization: `Bearer ${gateway.token}` },
      });
      expect(response.status).toBe(503);
      expect(((await response.json()) as { detail: string }).detail).toMatch(/transfers/);
    } finally {
      await gateway.close();
    }
  });

  it("refuses a body over the size limit with 413", async () => {
    const admin = await login(ADMIN.email, ADMIN.password);
    const response = await api("POST", "/api/concerts/", {
      token: admin,
      body: { ...concertBody, description: "x".repeat(2_000_000) },
    });
    expect(response.status).toBe(413);
    expect(typeof response.body.detail).toBe("string");
  });
});

describe("a browser app on another origin, as the original frontend is", () => {
  it("may send every method the API routes, with the headers clients send (a real preflight)", async () => {
    for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
      const preflight = await fetch(
        `${stack.url}/api/concerts/00000000-0000-4000-8000-000000000000`,
        {
          method: "OPTIONS",
          headers: {
            origin: "http://localhost:5173",
            "access-control-request-method": method,
            "access-control-request-headers": "authorization,content-type,idempotency-key",
          },
        },
      );
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
      expect(preflight.headers.get("access-control-allow-methods")).toContain(method);
      const allowed = preflight.headers.get("access-control-allow-headers")?.toLowerCase();
      for (const header of ["authorization", "content-type", "idempotency-key"]) {
        expect(allowed).toContain(header);
      }
    }
  });

  it("treats an empty body sent as application/json as no body, as axios sends body-less calls", async () => {
    const admin = await login(ADMIN.email, ADMIN.password);
    const created = await api("POST", "/api/concerts/", { token: admin, body: concertBody });
    const cancelled = await fetch(`${stack.url}/api/concerts/${created.body.id}/cancel`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    });
    expect(cancelled.status).toBe(200);
    expect(((await cancelled.json()) as { status: string }).status).toBe("cancelled");
    const required = await fetch(`${stack.url}/api/concerts/`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    });
    expect(required.status).toBe(422);
  });

  it("finds FastAPI's pages: GET / with the docs' address, /redoc and /openapi.json", async () => {
    const root = await api("GET", "/");
    expect(root.status).toBe(200);
    expect(root.body).toEqual({ message: expect.any(String), docs: "/docs" });
    const redoc = await fetch(`${stack.url}/redoc`);
    expect(redoc.status).toBe(200);
    expect(await redoc.text()).toContain('spec-url="/openapi.json"');
    expect((await api("GET", "/openapi.json")).body.openapi).toMatch(/^3\./);
  });
});

describe("documentation and events", () => {
  it("serves /docs and one OpenAPI document with every routed service's paths", async () => {
    const docs = await fetch(`${stack.url}/docs`, { redirect: "follow" });
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/swagger/i);
    const document = await api("GET", "/openapi.json");
    expect(Object.keys(document.body.paths)).toEqual(
      expect.arrayContaining([
        "/api/auth/login",
        "/api/auth/register",
        "/api/concerts/",
        "/api/concerts/{id}",
      ]),
    );
    expect(
      document.body.components.securitySchemes.OAuth2PasswordBearer.flows.password.tokenUrl,
    ).toBe("/api/auth/login");
  });

  it("announces ConcertCreated on NATS after an admin creates a concert", async () => {
    const nats = stack.catalog.infra.nats;
    const jsm = await jetstreamManager(nats);
    const stream = streamNames(infra.subjectPrefix).events;
    const consumer = await jsm.consumers.add(stream, {
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.New,
      filter_subject: `${infra.subjectPrefix}${ConcertCreated.subject}`,
    });
    const admin = await login(ADMIN.email, ADMIN.password);
    const created = await api("POST", "/api/concerts/", {
      token: admin,
      body: { ...concertBody, name: "Evented" },
    });
    const messages = await jetstream(nats).consumers.get(stream, consumer.name);
    const message = await messages.next({ expires: 5_000 });
    const envelope = ConcertCreated.envelope.parse(message?.json());
    expect(envelope.payload.concert_id).toBe(created.body.id);
    expect(envelope.payload.name).toBe("Evented");
  });
});
