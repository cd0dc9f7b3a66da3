import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp } from "./support.js";

let kit: Awaited<ReturnType<typeof buildTestApp>>;
beforeAll(async () => {
  kit = await buildTestApp();
  kit.app.get("/echo", async (request) => ({ id: request.id }));
  await kit.app.ready();
});
afterAll(() => kit.app.close());

const send = (headers: Record<string, string | string[]>) =>
  kit.app.inject({ method: "GET", url: "/echo", headers });

describe("a client's x-request-id", () => {
  it("is kept when it is a plain id of at most 128 characters", async () => {
    for (const id of [
      "3f2b0c5e-6a1d-4e8e-9a57-0d2a3b4c5d6e",
      "01HZX3K6Q9V8W7Y6T5R4E3W2Q1",
      "trace.span:42_a-b",
      "x".repeat(128),
    ]) {
      const response = await send({ "x-request-id": id });
      expect(response.json().id).toBe(id);
      expect(response.headers["x-request-id"]).toBe(id);
      expect(response.headers["x-request-id-replaced"]).toBeUndefined();
    }
  });

  it("is replaced by a new UUID, said in a header and the log, when too long or odd", async () => {
    for (const id of [
      "x".repeat(129),
      "a".repeat(100_000),
      "has space",
      'quote"s',
      "<script>alert(1)</script>",
      "forged\\nlevel=error",
      "ünïcode",
      ["one", "two"],
    ]) {
      const before = kit.logLines.length;
      const response = await send({ "x-request-id": id });
      const given = response.json().id as string;
      expect(given, String(id)).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.headers["x-request-id"]).toBe(given);
      expect(response.headers["x-request-id-replaced"]).toBe("true");
      const refusal = kit.logLines
        .slice(before)
        .find((line) => line.msg === "client x-request-id refused; a new one was generated");
      expect(refusal?.reqId).toBe(given);
      expect(String(refusal?.refusedRequestId).length).toBeLessThanOrEqual(64);
    }
  });

  it("is generated when the client sent none, without saying it replaced anything", async () => {
    const response = await send({});
    expect(response.json().id).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers["x-request-id-replaced"]).toBeUndefined();
  });
});
