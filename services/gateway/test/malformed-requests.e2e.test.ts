import { randomUUID } from "node:crypto";
import { startForFile } from "@concert/testing";
import { describe, expect, it } from "vitest";
import { apiClient } from "./http-client.js";
import { ADMIN, startStack } from "./stack.js";

const { service: stack } = startForFile(startStack);
const { api, login } = apiClient(() => stack.url);

const BODIES: unknown[] = [
  undefined,
  {},
  [],
  "null",
  '"text"',
  "{broken",
  { quantity: -1, email: 7 },
];
const PARAMS = ["not-a-uuid", randomUUID(), "%E2%82%AC", "0"];
const QUERIES = ["", "?limit=-5&status=bogus&format=gif&bucket_minutes=0"];

describe("every documented endpoint, given nonsense", () => {
  it("answers 4xx with a detail and never a 5xx", async () => {
    const admin = await login(ADMIN.email, ADMIN.password);
    const document = (await api("GET", "/openapi.json")).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({ path, method: method.toUpperCase() })),
    );
    expect(operations.length).toBeGreaterThan(15);

    const failures: string[] = [];
    for (const { path, method } of operations) {
      for (const param of PARAMS) {
        const url = path.replace(/\{[^}]+\}/g, param);
        for (const query of QUERIES) {
          for (const body of method === "GET" ? [undefined] : BODIES) {
            const response = await api(method, `${url}${query}`, {
              token: admin,
              ...(body === undefined ? {} : { body }),
            });
            const ok = response.status < 500;
            const hasDetail = response.status < 400 || typeof response.body?.detail !== "undefined";
            if (!ok || !hasDetail) {
              failures.push(
                `${method} ${url}${query} ${JSON.stringify(body)} → ${response.status}`,
              );
            }
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
