import { startForFile } from "@concert/testing";
import { describe, expect, it } from "vitest";
import { ADMIN, startStack } from "./stack.js";

/**
 * Every operation of the merged OpenAPI document, sent hostile input in its body, query and path,
 * with an admin's token and with none: nothing may answer 5xx, and every error carries `detail`.
 * Deterministic: the same FUZZ_SEED sends the same requests in the same order.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_128);

const { service: stack } = startForFile(startStack);

type Schema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  nullable?: boolean;
};
type Parameter = { name: string; in: string; schema?: Schema };
type Operation = {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
};
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
};

/** mulberry32: small, fast and the same everywhere. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (below: number) => Math.floor(next() * below);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { next, int, pick };
}
const rng = random(SEED);

function deep(levels: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

/** Text no store should take, or that breaks naive code: each replaces one field at a time. */
function hostileValues(): unknown[] {
  const garbage = Array.from({ length: 24 }, () => String.fromCharCode(rng.int(0x10000))).join("");
  return [
    "nul\u0000byte",
    "\u0000",
    "x".repeat(10_000),
    "\ud800 lone surrogate",
    "\udfff",
    garbage,
    "' OR 1=1; --",
    "../../../../etc/passwd",
    "",
    "   ",
    "🎫".repeat(300),
    -1,
    0,
    1e308,
    -1e308,
    2 ** 64,
    1.5,
    Number.MAX_SAFE_INTEGER + 2,
    true,
    null,
    [],
    ["a", 1, null],
    {},
    JSON.parse('{"__proto__":{"admin":true},"constructor":{"prototype":{"role":"admin"}}}'),
    deep(200, "\u0000"),
    Array.from({ length: 2_000 }, (_, i) => i),
  ];
}

/** Whole bodies: none at all, not JSON, JSON of the wrong shape, too deep, too big. */
const RAW_BODIES: Array<{ text: string; type: string }> = [
  { text: "", type: "application/json" },
  { text: "{", type: "application/json" },
  { text: '{"a":', type: "application/json" },
  { text: "null", type: "application/json" },
  { text: '"text"', type: "application/json" },
  { text: "1e309", type: "application/json" },
  { text: "[]", type: "application/json" },
  { text: '{"__proto__":{"role":"admin"}}', type: "application/json" },
  { text: '{"a":"\\u0000","b":"\\ud800"}', type: "application/json" },
  { text: `${"[".repeat(5_000)}${"]".repeat(5_000)}`, type: "application/json" },
  { text: JSON.stringify({ blob: "x".repeat(2_000_000) }), type: "application/json" },
  { text: "\u0000\u0001\u0002", type: "application/json" },
  { text: "name=x&venue=y", type: "application/x-www-form-urlencoded" },
  { text: "plain words", type: "text/plain" },
  { text: "<xml/>", type: "application/xml" },
];

/** Path segments: encoded NUL, a non-UTF-8 byte pair, very long, traversal, numbers, emoji. */
const PATH_VALUES = [
  "%00",
  "a%00b",
  "%ED%A0%80",
  "%FF",
  "x".repeat(10_000),
  "..%2F..%2Fadmin",
  "-1",
  "1e308",
  "00000000-0000-0000-0000-000000000000",
  "%F0%9F%8E%AB",
  "null",
  "%20",
];

const QUERY_VALUES = ["%00", "x".repeat(10_000), "-1", "1e308", "%ED%A0%80", "[]", "{}", "true"];

function resolve(schema: Schema | undefined, document: Document): Schema {
  if (!schema) return {};
  if (schema.$ref) {
    const name = schema.$ref.split("/").pop() as string;
    return resolve(document.components?.schemas?.[name], document);
  }
  const options = schema.anyOf ?? schema.oneOf;
  if (options) {
    return resolve(options.find((option) => option.type !== "null") ?? options[0], document);
  }
  if (schema.allOf) {
    const merged: Schema = { properties: {} };
    for (const part of schema.allOf) {
      const resolved = resolve(part, document);
      Object.assign(merged.properties as object, resolved.properties);
      merged.required = [...(merged.required ?? []), ...(resolved.required ?? [])];
      merged.type ??= resolved.type;
    }
    return merged;
  }
  return schema;
}

/** A value the schema would accept, roughly: the background each hostile field is set against. */
function plausible(schema: Schema | undefined, document: Document): unknown {
  const resolved = resolve(schema, document);
  if (resolved.const !== undefined) return resolved.const;
  if (resolved.enum) return resolved.enum[0];
  const type = Array.isArray(resolved.type)
    ? resolved.type.find((t) => t !== "null")
    : resolved.type;
  switch (type) {
    case "object":
      return Object.fromEntries(
        Object.entries(resolved.properties ?? {}).map(([key, value]) => [
          key,
          plausible(value, document),
        ]),
      );
    case "array":
      return [plausible(resolved.items, document)];
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return true;
    case "string":
      if (resolved.format === "uuid") return "7d1c8f5e-3b1a-4c2d-9e8f-1a2b3c4d5e6f";
      if (resolved.format === "email") return "fuzz@example.com";
      if (resolved.format === "date-time")
        return new Date(Date.now() + 7 * 86_400_000).toISOString();
      return "fuzz";
    default:
      return "fuzz";
  }
}

/** Only the required fields: where optional fields must not be sent together (one of three). */
function minimal(schema: Schema | undefined, document: Document): Record<string, unknown> {
  const resolved = resolve(schema, document);
  const full = plausible(resolved, document) as Record<string, unknown>;
  return Object.fromEntries((resolved.required ?? []).map((key) => [key, full[key]]));
}

/** The text a Postgres column cannot hold, tried against the minimal body too. */
const UNSTORABLE_TEXT = ["nul\u0000byte", "\ud800 lone surrogate", "x".repeat(10_000)];

interface Attempt {
  method: string;
  url: string;
  token?: string;
  body?: { text: string; type: string };
}

function attemptsFor(
  path: string,
  method: string,
  operation: Operation,
  document: Document,
  token?: string,
) {
  const attempts: Attempt[] = [];
  const pathParams = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] as string);
  const fill = (values: Record<string, string>) =>
    path.replace(
      /\{([^}]+)\}/g,
      (_, name: string) => values[name] ?? "7d1c8f5e-3b1a-4c2d-9e8f-1a2b3c4d5e6f",
    );
  const baseUrl = fill({});
  const bodySchema = operation.requestBody?.content?.["application/json"]?.schema;
  const base = bodySchema ? plausible(bodySchema, document) : undefined;
  const json = (value: unknown) => ({ text: JSON.stringify(value), type: "application/json" });
  const withBase = { method, token, ...(base === undefined ? {} : { body: json(base) }) };

  for (const name of pathParams) {
    for (const value of PATH_VALUES) attempts.push({ ...withBase, url: fill({ [name]: value }) });
  }
  const queryNames = (operation.parameters ?? [])
    .filter((p) => p.in === "query")
    .map((p) => p.name);
  for (const name of [...queryNames, "unknown"]) {
    for (const value of QUERY_VALUES)
      attempts.push({ ...withBase, url: `${baseUrl}?${name}=${value}` });
  }
  if (method !== "GET" && method !== "DELETE") {
    for (const raw of RAW_BODIES) attempts.push({ method, token, url: baseUrl, body: raw });
  }
  if (base && typeof base === "object" && !Array.isArray(base)) {
    const fields = [...Object.keys(base), "unexpected_field"];
    const least = minimal(bodySchema, document);
    for (const field of fields) {
      for (const value of hostileValues()) {
        attempts.push({ method, token, url: baseUrl, body: json({ ...base, [field]: value }) });
      }
      for (const value of UNSTORABLE_TEXT) {
        attempts.push({ method, token, url: baseUrl, body: json({ ...least, [field]: value }) });
      }
    }
  }
  return attempts;
}

async function send(attempt: Attempt) {
  const response = await fetch(`${stack.url}${attempt.url}`, {
    method: attempt.method,
    headers: {
      ...(attempt.token ? { authorization: `Bearer ${attempt.token}` } : {}),
      ...(attempt.body ? { "content-type": attempt.body.type } : {}),
    },
    ...(attempt.body ? { body: attempt.body.text } : {}),
  });
  const text = await response.text();
  let detail: unknown;
  try {
    detail = (JSON.parse(text) as { detail?: unknown }).detail;
  } catch {
    detail = undefined;
  }
  return { status: response.status, detail, text };
}

describe(`fuzzing every documented operation (seed ${SEED})`, () => {
  it("never answers 5xx, and every error has a detail", async () => {
    const login = await fetch(`${stack.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
    });
    const admin = ((await login.json()) as { access_token: string }).access_token;
    const document = (await (await fetch(`${stack.url}/openapi.json`)).json()) as Document;
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        path,
        method: method.toUpperCase(),
        operation,
      })),
    );
    expect(operations.length).toBeGreaterThan(25);

    const attempts = operations.flatMap(({ path, method, operation }) => [
      ...attemptsFor(path, method, operation, document, admin),
      ...attemptsFor(path, method, operation, document),
    ]);
    const failures: string[] = [];
    const statuses: Record<string, number> = {};
    for (const attempt of attempts) {
      const { status, detail, text } = await send(attempt);
      statuses[`${Math.floor(status / 100)}xx`] =
        (statuses[`${Math.floor(status / 100)}xx`] ?? 0) + 1;
      if (status >= 500 || (status >= 400 && detail === undefined)) {
        const body = attempt.body?.text ?? "";
        failures.push(
          `${attempt.token ? "admin" : "anonymous"} ${attempt.method} ${attempt.url.slice(0, 120)} ` +
            `${JSON.stringify(body.slice(0, 160))} → ${status} ${text.slice(0, 200)}`,
        );
      }
    }
    console.log(
      `fuzz seed ${SEED}: ${attempts.length} requests over ${operations.length} operations`,
      statuses,
      `${failures.length} failures`,
    );
    expect(failures.slice(0, 40)).toEqual([]);
  }, 900_000);
});
