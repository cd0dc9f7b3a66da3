import { ErrorBody, ScanResponse, TicketResponse } from "@concert/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
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

/** A sale's answer (ticketing's mark-sold and purchase): a long base64 image, a price, nulls. */
const sold = {
  id: "4b0e6c54-3a0e-4f6a-9a53-0c3b8f7d2a11",
  concert_id: "2b0e6c54-3a0e-4f6a-9a53-0c3b8f7d2a11",
  ticket_number: "K7M2-9QXA",
  status: "sold",
  qr_data: `{"ticket_id":"4b0e6c54-3a0e-4f6a-9a53-0c3b8f7d2a11","v":1,"sig":"${"x".repeat(86)}"}`,
  qr_code_data: `iVBORw0KGgo${"A".repeat(1_400)}=`,
  price: 49.5,
  buyer_name: 'Zoë "the buyer" \\ O\'Hara',
  buyer_email: "zoe@example.com",
  buyer_phone: null,
  owner_id: null,
  sold_at: "2026-11-28T21:04:46.959Z",
  created_at: "2026-11-28T20:00:00.000Z",
  updated_at: "2026-11-28T21:04:46.959Z",
} as const;

/** The error bodies a compiled route answers: FastAPI's `detail`, a text or a list of issues. */
const errorsByHeader: Record<string, ErrorBody> = {
  text: { detail: "Ticket is already sold" },
  issues: { detail: [{ loc: ["body", "buyer_email"], msg: "Invalid email", type: "value_error" }] },
};

const Choice = z.union([z.object({ kind: z.literal("a") }), z.object({ detail: z.string() })]);

let kit: Awaited<ReturnType<typeof buildTestApp>>;
let answer: Record<string, unknown>;
/** The same route twice, at `/zod<path>` and `/compiled<path>`: only the serializer differs. */
function routeBothWays(
  path: string,
  response: Record<number, z.ZodType>,
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
) {
  for (const [prefix, compiled] of [
    ["/zod", false],
    ["/compiled", true],
  ] as const) {
    kit.app.get(
      `${prefix}${path}`,
      {
        ...(compiled && { serializerCompiler: compiledSerializerCompiler }),
        schema: { response },
      },
      handler,
    );
  }
}

beforeAll(async () => {
  kit = await buildTestApp();
  routeBothWays("", { 200: ScanResponse, 409: Choice }, async (request, reply) =>
    request.headers["x-choice"]
      ? reply.code(409).send({ detail: "no" })
      : (answer as z.infer<typeof ScanResponse>),
  );
  routeBothWays("/ticket", { 200: TicketResponse, 409: ErrorBody }, async (request, reply) => {
    const error = errorsByHeader[String(request.headers["x-error"])];
    return error ? reply.code(409).send(error) : sold;
  });
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

  it("writes a sale's ticket and its error bodies as the zod serializer does", async () => {
    for (const error of ["", "text", "issues"]) {
      const headers = { "x-error": error };
      const zod = await kit.app.inject({ method: "GET", url: "/zod/ticket", headers });
      const compiled = await kit.app.inject({ method: "GET", url: "/compiled/ticket", headers });
      expect(compiled.statusCode).toBe(error ? 409 : 200);
      expect(compiled.body).toBe(zod.body);
      expect(compiled.json()).toEqual(error ? errorsByHeader[error] : sold);
    }
  });

  it("leaves a union to zod", async () => {
    const { zod, compiled } = await both({ "x-choice": "1" });
    expect(compiled.statusCode).toBe(409);
    expect(compiled.body).toBe(zod.body);
    expect(compiled.json()).toEqual({ detail: "no" });
  });
});
