import { startForFile } from "@concert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestIdentity, type TestIdentity } from "./helper.js";

// Each describe runs its own identity (its own limits) on this file's database; accounts and
// client addresses differ between them, so their counters never meet.
const { infra } = startForFile(async () => ({ close: async () => {} }));

function identityWith(env: Record<string, string>) {
  let identity: TestIdentity | undefined;
  beforeAll(async () => {
    identity = await startTestIdentity(infra, env);
    await identity.app.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => identity?.close());
  return {
    /** A real HTTP login from `client`, as the gateway forwards it (X-Forwarded-For). */
    async login(email: string, password: string, client = "203.0.113.1") {
      const address = identity?.app.server.address();
      if (!address || typeof address === "string") throw new Error("identity is not listening");
      const response = await fetch(`http://127.0.0.1:${address.port}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": client },
        body: JSON.stringify({ email, password }),
      });
      return {
        status: response.status,
        retryAfter: response.headers.get("retry-after"),
        body: (await response.json()) as { detail?: string },
      };
    },
    /** The throttle rows now stored under these keys. */
    async rows(keys: string[]) {
      return identity?.infra.prisma.loginThrottle.findMany({ where: { key: { in: keys } } });
    },
    async register(email: string, password = "right-password-1") {
      const response = await identity?.app.inject({
        method: "POST",
        url: "/api/auth/register",
        payload: { email, password },
      });
      expect(response?.statusCode).toBe(201);
    },
  };
}

function tally(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("per-account limit under concurrency", () => {
  const MAX = 5;
  // Cost 10 as in production: the check is slow, which is what the old count-then-check lost to.
  // The client limit is out of the way here; it has its own tests below.
  const identity = identityWith({
    BCRYPT_ROUNDS: "10",
    LOGIN_MAX_FAILURES: String(MAX),
    LOGIN_CLIENT_MAX_FAILURES: "10000",
  });

  for (const round of [1, 2, 3, 4]) {
    it(`lets no more than ${MAX} of 40 simultaneous attempts (39 wrong, 1 right) fail a password check (round ${round})`, async () => {
      const email = `race-${round}@example.com`;
      await identity.register(email);
      const attempts = Array.from({ length: 40 }, (_, i) =>
        i === 20 ? "right-password-1" : `wrong-${i}`,
      );
      const answers = await Promise.all(
        attempts.map((password, i) => identity.login(email, password, `198.51.100.${i + 1}`)),
      );
      const counts = tally(answers.map((answer) => answer.status));
      expect(Object.keys(counts).every((status) => ["200", "401", "429"].includes(status))).toBe(
        true,
      );
      // The invariant: at most MAX wrong passwords were checked, whatever the interleaving;
      // every other wrong one was refused before its check. (The right one may have been
      // refused too, or succeeded and given its slot back.)
      expect(counts[401] ?? 0).toBeLessThanOrEqual(MAX);
      expect(counts[200] ?? 0).toBeLessThanOrEqual(1);
      expect(counts[429]).toBeGreaterThanOrEqual(39 - MAX);
      for (const refused of answers.filter((answer) => answer.status === 429)) {
        expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
        expect(refused.body.detail).toMatch(/too many failed login attempts/i);
      }
    });
  }
});

describe("per-client limit", () => {
  const CLIENT_MAX = 6;
  const identity = identityWith({
    LOGIN_MAX_FAILURES: "5",
    LOGIN_CLIENT_MAX_FAILURES: String(CLIENT_MAX),
  });

  it("stops one address guessing across many accounts, and not the others", async () => {
    const attacker = "192.0.2.66";
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        identity.login(`spray-${i}@example.com`, "guess-123", attacker),
      ),
    );
    const counts = tally(answers.map((answer) => answer.status));
    expect(counts[401]).toBe(CLIENT_MAX);
    expect(counts[429]).toBe(30 - CLIENT_MAX);
    const refused = answers.find((answer) => answer.status === 429);
    expect(refused?.body.detail).toMatch(/from this address/);
    expect(Number(refused?.retryAfter)).toBeGreaterThan(60);

    // Another address is unaffected; the refused address is refused even the right password.
    await identity.register("bystander@example.com");
    expect(
      (await identity.login("bystander@example.com", "right-password-1", "192.0.2.7")).status,
    ).toBe(200);
    expect(
      (await identity.login("bystander@example.com", "right-password-1", attacker)).status,
    ).toBe(429);
  });

  it("counts an IPv6 client by its /64, so rotating addresses inside it does not help", async () => {
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        identity.login(`v6-${i}@example.com`, "guess-123", `2001:db8:1:2::${(i + 1).toString(16)}`),
      ),
    );
    expect(tally(answers.map((answer) => answer.status))).toEqual({
      401: CLIENT_MAX,
      429: 12 - CLIENT_MAX,
    });
  });

  it("gives a success its slot back, so a client's good logins never use up its limit", async () => {
    await identity.register("regular@example.com");
    for (let i = 0; i < CLIENT_MAX + 4; i++) {
      expect(
        (await identity.login("regular@example.com", "right-password-1", "192.0.2.8")).status,
      ).toBe(200);
    }
  });
});

describe("bursts of good logins", () => {
  // Slow checks (cost 10, as in production), so the burst's attempts really are in flight at once.
  const identity = identityWith({
    BCRYPT_ROUNDS: "10",
    LOGIN_MAX_FAILURES: "3",
    LOGIN_CLIENT_MAX_FAILURES: "4",
  });

  it("lets 20 simultaneous good logins from one address through: past its limit they wait their turn", async () => {
    const emails = Array.from({ length: 20 }, (_, i) => `box-office-${i}@example.com`);
    for (const email of emails) await identity.register(email);
    const answers = await Promise.all(
      emails.map((email) => identity.login(email, "right-password-1", "192.0.2.90")),
    );
    expect(tally(answers.map((answer) => answer.status))).toEqual({ 200: 20 });
    // Every slot was given back: the address's budget is whole again.
    expect(await identity.rows(["client:192.0.2.90"])).toMatchObject([
      { attempts: 0, inFlight: 0 },
    ]);
  });

  it("lets 20 gate devices log in to one shared account at once", async () => {
    await identity.register("gate-crew@example.com");
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        identity.login("gate-crew@example.com", "right-password-1", `198.51.100.${100 + i}`),
      ),
    );
    expect(tally(answers.map((answer) => answer.status))).toEqual({ 200: 20 });
  });

  it("still blocks when the attempts in flight turn out wrong", async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        identity.login(`nobody-${i}@example.com`, "guess-123", "192.0.2.91"),
      ),
    );
    expect(tally(answers.map((answer) => answer.status))).toEqual({ 401: 4, 429: 16 });
  });
});

describe("X-Forwarded-For from a peer identity does not trust", () => {
  // Only 10.9.9.9 may say who the client is; this test's requests come from 127.0.0.1.
  const identity = identityWith({ TRUSTED_PROXIES: "10.9.9.9/32", LOGIN_CLIENT_MAX_FAILURES: "3" });

  it("is ignored: the peer's own address is the client, whatever the header claims", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        (await identity.login(`forged-${i}@example.com`, "guess-123", `203.0.113.${i + 50}`))
          .status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });
});

describe("lockout that decays", () => {
  // A short window and short blocks, so the test can wait them out.
  const identity = identityWith({
    LOGIN_MAX_FAILURES: "3",
    LOGIN_FAILURE_WINDOW_MINUTES: "0.05",
    LOGIN_LOCKOUT_SECONDS: "1",
    LOGIN_LOCKOUT_MAX_SECONDS: "2",
    LOGIN_CLIENT_MAX_FAILURES: "10000",
  });

  it("blocks briefly, doubles the block while failures go on (capped), and lets the owner in after", async () => {
    const email = "owner@example.com";
    await identity.register(email);
    const retryAfters: number[] = [];
    for (let block = 0; block < 3; block++) {
      for (let i = 0; i < 3; i++)
        expect((await identity.login(email, "guess-123")).status).toBe(401);
      const refused = await identity.login(email, "right-password-1");
      expect(refused.status).toBe(429);
      retryAfters.push(Number(refused.retryAfter));
      // Knocking during a block neither counts nor lengthens it.
      const again = await identity.login(email, "guess-123");
      expect(again.status).toBe(429);
      expect(Number(again.retryAfter)).toBeLessThanOrEqual(Number(refused.retryAfter));
      await sleep(Number(refused.retryAfter) * 1000 + 100);
    }
    expect(retryAfters).toEqual([1, 2, 2]);
    expect((await identity.login(email, "right-password-1")).status).toBe(200);
  });

  it("forgets failures older than the window", async () => {
    const email = "forgetful@example.com";
    await identity.register(email);
    for (let i = 0; i < 3; i++) expect((await identity.login(email, "guess-123")).status).toBe(401);
    await sleep(3_200);
    // Without decay this would be the fourth failure in a row, refused.
    expect((await identity.login(email, "guess-123")).status).toBe(401);
    expect((await identity.login(email, "right-password-1")).status).toBe(200);
  });

  it("prunes the rows of windows and blocks long over as logins come in", async () => {
    const email = "pruned@example.com";
    const keys = [`account:${email}`, "client:192.0.2.99"];
    for (let i = 0; i < 4; i++) await identity.login(email, "guess-123", "192.0.2.99");
    expect(await identity.rows(keys)).toHaveLength(2);
    // The block (1 s) and then a whole window (3 s) after it.
    await sleep(4_300);
    await identity.login("someone-else@example.com", "guess-123", "192.0.2.100");
    expect(await identity.rows(keys)).toEqual([]);
  });
});
