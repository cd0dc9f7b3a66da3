import { ScanResponse } from "@concert/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { compiledSerializerCompiler } from "../../src/http/index.js";
import { buildTestApp } from "./support.js";

const admitted = {
  id: "0b0e6c54-3a0e-4f6a-9a53-0c3b8f7d2a11",
  admit: true,
  result: "admitted",
  detail: "Admitted",
  ticket_id: "1b0e6c54-3a0e-4f6a-9a53-0c3b8f7d2a11",
  ticket_number: "K7M2-9QXA",
  concert_id: "2b0e6c54-3a0e-4f6a-9a53-0c3b8f7d2a11",
  scan_type: "entry_check",
  gate: 'Gate "A" \\ north',
  device_id: null,
  scanned_by: "3b0e6c54-3a0e-4f6a-9a53-0c3b8f7d2a11",
  scanned_at: "2026-11-28T21:04:46.959Z",
  scanner_id: "3b0e6c54-3a0e-4f6a-9a53-0c3b8f7d2a11",
  location: 'Gate "A" \\ north',
  notes: "ünïcode\nand a new line",
  first_admitted_at: null,
  first_admitted_gate: null,
} as const;

const Choice = z.union([z.object({ kind: z.literal("a") }), z.object({ detail: z.string() })]);

let kit: Awaited<ReturnType<typeof buildTestApp>>;
let answer: Record<string, unknown>;
beforeAll(async () => {
  kit = await buildTestApp();
  for (const [path, compiled] of [
    ["/zod", false],
    ["/compiled", true],
  ] as const) {
    kit.app.get(
      path,
      {
        ...(compiled && { serializerCompiler: compiledSerializerCompiler }),
        schema: { response: { 200: ScanResponse, 409: Choice } },
      },
      async (request, reply) =>
        request.headers["x-choice"]
          ? reply.code(409).send({ detail: "no" })
          : (answer as z.infer<typeof ScanResponse>),
    );
  }
  await kit.app.ready();
});
afterAll(() => kit.app.close());

const both = async (headers: Record<string, string> = {}) => {
  const zod = await kit.app.inject({ method: "GET", url: "/zod", headers });
  const compiled = await kit.app.inject({ method: "GET", url: "/compiled", headers });
  return { zod, compiled };
};

describe("a route's compiled response serializer", () => {
  it("writes the same bytes as the zod serializer, nulls and escapes included", async () => {
    answer = admitted;
    const { zod, compiled } = await both();
    expect(compiled.statusCode).toBe(200);
    expect(compiled.body).toBe(zod.body);
    expect(JSON.parse(compiled.body)).toEqual(admitted);
  });

  it("drops fields the schema does not name, as zod does", async () => {
    answer = { ...admitted, internal: "secret" };
    const { zod, compiled } = await both();
    expect(compiled.body).toBe(zod.body);
    expect(compiled.body).not.toContain("secret");
  });

  it("still answers 500 when a required field is missing", async () => {
    const { ticket_id: _, ...missing } = admitted;
    answer = missing;
    const { compiled } = await both();
    expect(compiled.statusCode).toBe(500);
  });

  it("leaves a union to zod", async () => {
    const { zod, compiled } = await both({ "x-choice": "1" });
    expect(compiled.statusCode).toBe(409);
    expect(compiled.body).toBe(zod.body);
    expect(compiled.json()).toEqual({ detail: "no" });
  });
});
