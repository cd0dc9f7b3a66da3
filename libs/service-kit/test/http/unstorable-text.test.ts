import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { findUnstorableText } from "../../src/http/index.js";
import { buildTestApp, tokenOf } from "./support.js";

const Body = z.object({
  name: z.string(),
  tags: z.array(z.object({ label: z.string() })).default([]),
  extra: z.record(z.string(), z.string()).optional(),
});

let kit: Awaited<ReturnType<typeof buildTestApp>>;
beforeAll(async () => {
  kit = await buildTestApp();
  const { app, guards } = kit;
  app.post(
    "/things/:code",
    {
      preValidation: guards.requireRole("admin"),
      schema: {
        params: z.object({ code: z.string() }),
        querystring: z.object({ q: z.string().optional() }),
        body: Body,
      },
    },
    async (request) => ({ ok: true, name: request.body.name }),
  );
  await app.ready();
});
afterAll(() => kit.app.close());

const admin = tokenOf("admin");
const post = (url: string, payload: unknown, token: string | null = admin) =>
  kit.app.inject({
    method: "POST",
    url,
    payload: payload as object,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });

describe("text Postgres cannot store", () => {
  it("is refused with 422 naming the field, wherever it sits in the request", async () => {
    const cases: Array<[string, unknown, unknown[]]> = [
      ["/things/a", { name: "bad\u0000name" }, ["body", "name"]],
      [
        "/things/a",
        { name: "x", tags: [{ label: "ok" }, { label: "\u0000" }] },
        ["body", "tags", "1", "label"],
      ],
      ["/things/a", { name: "x", extra: { "k\u0000": "v" } }, ["body", "extra", "k\u0000"]],
      ["/things/a", { name: "lone \ud800 half" }, ["body", "name"]],
      ["/things/a%00b", { name: "x" }, ["params", "code"]],
      ["/things/a?q=%00", { name: "x" }, ["querystring", "q"]],
    ];
    for (const [url, body, loc] of cases) {
      const response = await post(url, body);
      expect(response.statusCode, `${url} ${JSON.stringify(body)}`).toBe(422);
      expect(response.json().detail).toEqual([
        expect.objectContaining({ loc, type: "unstorable_text", msg: expect.any(String) }),
      ]);
    }
  });

  it("still lets through every real character, emoji and other scripts included", async () => {
    const response = await post("/things/%C3%A9t%C3%A9?q=%F0%9F%8E%B5", {
      name: "Björk 🎵 東京 \u0001\ufffd",
    });
    expect(response.statusCode).toBe(200);
  });

  it("is checked only after the role: no token is 401 and a viewer is 403, never the 422", async () => {
    const bad = { name: "bad\u0000name" };
    const anon = await post("/things/a%00", bad, null);
    expect(anon.statusCode, anon.body).toBe(401);
    expect((await post("/things/a%00", bad, tokenOf("viewer"))).statusCode).toBe(403);
    expect((await post("/things/a%00", bad, tokenOf("scanner"))).statusCode).toBe(403);
    expect((await post("/things/a%00", bad)).statusCode).toBe(422);
  });

  it("in a URL that is not even UTF-8, or a path parameter past Fastify's limit, is a 4xx with a detail", async () => {
    const badUtf8 = await post("/things/%ED%A0%80", { name: "x" });
    expect(badUtf8.statusCode).toBe(400);
    expect(badUtf8.json().detail).toEqual(expect.any(String));
    const long = await post(`/things/${"x".repeat(10_000)}`, { name: "x" });
    expect(long.statusCode).toBe(414);
    expect(long.json().detail).toEqual(expect.any(String));
  });

  it("is found however deep the value nests, without recursion", () => {
    let deep: unknown = "\u0000";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findUnstorableText(deep)).toHaveLength(1);
    expect(findUnstorableText({ a: ["fine", { b: "fine" }] })).toEqual([]);
    // Shaped like Fastify's params: an object whose prototype has no prototype.
    const params = Object.create(Object.create(null));
    params.code = "a\u0000";
    expect(findUnstorableText(params)).toEqual([{ path: ["code"], message: expect.any(String) }]);
  });
});
