import { randomUUID } from "node:crypto";
import { startForFile } from "@concert/testing";
import { describe, expect, it } from "vitest";
import { apiClient } from "./http-client.js";
import { ADMIN, startStack } from "./stack.js";

const { service: stack } = startForFile(startStack);
const { api, login } = apiClient(() => stack.url);

const NUL = "\u0000";
const future = () => new Date(Date.now() + 5 * 86_400_000).toISOString();
const concert = (fields: Record<string, unknown> = {}) => ({
  name: "Night",
  venue: "Arena",
  date: future(),
  capacity: 10,
  ticket_price: 20,
  ...fields,
});
const scan = (fields: Record<string, unknown>) => ({ ticket_number: "T-1", ...fields });

/**
 * Every route that takes text, with a NUL (or a lone surrogate) in each of its text fields:
 * [method, path, body, the loc the 422 must name]. Before the kit's rule these were 500s.
 */
function cases(): Array<[string, string, unknown, Array<string | number>]> {
  const id = randomUUID();
  return [
    [
      "POST",
      "/api/auth/register",
      { email: "nul@example.com", password: `secret${NUL}word`, full_name: "N" },
      ["body", "password"],
    ],
    [
      "POST",
      "/api/auth/register",
      { email: "nul@example.com", password: "secret-word", full_name: `N${NUL}` },
      ["body", "full_name"],
    ],
    [
      "POST",
      "/api/auth/register",
      { email: "nul@example.com", password: "secret-\ud800", full_name: "N" },
      ["body", "password"],
    ],
    [
      "POST",
      "/api/auth/login",
      { email: `boss${NUL}@example.com`, password: "whatever-1" },
      ["body", "email"],
    ],
    [
      "POST",
      "/api/auth/login",
      { username: "admin", password: `boss${NUL}` },
      ["body", "password"],
    ],
    ["POST", "/api/concerts/", concert({ name: `Ni${NUL}ght` }), ["body", "name"]],
    ["POST", "/api/concerts/", concert({ venue: `A${NUL}` }), ["body", "venue"]],
    ["POST", "/api/concerts/", concert({ artist: `${NUL}` }), ["body", "artist"]],
    ["POST", "/api/concerts/", concert({ description: `x${NUL}y` }), ["body", "description"]],
    ["PUT", `/api/concerts/${id}`, concert({ name: `Ni${NUL}ght` }), ["body", "name"]],
    ["PATCH", `/api/concerts/${id}`, { description: `x${NUL}` }, ["body", "description"]],
    [
      "POST",
      `/api/tickets/${id}/mark-sold`,
      { buyer_name: `Bu${NUL}yer`, buyer_email: "b@example.com" },
      ["body", "buyer_name"],
    ],
    [
      "POST",
      `/api/tickets/${id}/mark-sold`,
      { buyer_name: "Buyer", buyer_email: "b@example.com", buyer_phone: `1${NUL}` },
      ["body", "buyer_phone"],
    ],
    ["POST", "/api/scans/", scan({ gate: `G${NUL}` }), ["body", "gate"]],
    ["POST", "/api/scans/", scan({ location: `L${NUL}` }), ["body", "location"]],
    ["POST", "/api/scans/", scan({ notes: `n${NUL}` }), ["body", "notes"]],
    ["POST", "/api/scans/", scan({ device_id: `d${NUL}` }), ["body", "device_id"]],
    ["POST", "/api/scans/", { ticket_number: `T-${NUL}1` }, ["body", "ticket_number"]],
    ["POST", "/api/scans/", { qr_data: `{"t":"${NUL}"}` }, ["body", "qr_data"]],
    ["GET", "/api/tickets/number/T-%001", undefined, ["params", "ticket_number"]],
    ["POST", "/api/refunds/request", { ticket_id: id, reason: `r${NUL}` }, ["body", "reason"]],
    [
      "POST",
      "/api/transfers/initiate",
      { ticket_id: id, to_email: "x@example.com", notes: `n${NUL}` },
      ["body", "notes"],
    ],
  ];
}

describe("text Postgres cannot store, on every route that takes text", () => {
  it("answers 422 naming the field, never a 5xx", async () => {
    const admin = await login(ADMIN.email, ADMIN.password);
    const wrong: string[] = [];
    for (const [method, path, body, loc] of cases()) {
      const response = await api(method, path, {
        token: admin,
        ...(body === undefined ? {} : { body }),
      });
      const named = Array.isArray(response.body?.detail)
        ? response.body.detail.some(
            (issue: { loc: unknown[] }) => JSON.stringify(issue.loc) === JSON.stringify(loc),
          )
        : false;
      if (response.status !== 422 || !named) {
        wrong.push(
          `${method} ${path} ${JSON.stringify(body)} → ${response.status} ${JSON.stringify(response.body)}`,
        );
      }
    }
    expect(wrong).toEqual([]);
  });

  it("refuses a path that is not UTF-8 at all (a lone surrogate's bytes) with 400 and a detail", async () => {
    const admin = await login(ADMIN.email, ADMIN.password);
    const response = await api("GET", "/api/tickets/number/T-%ED%A0%80", { token: admin });
    expect(response.status).toBe(400);
    expect(response.body.detail).toEqual(expect.any(String));
  });

  it("tells a viewer 403 on an admin route before anything about the text", async () => {
    const admin = await login(ADMIN.email, ADMIN.password);
    const email = `viewer-${randomUUID()}@example.com`;
    expect(
      (await api("POST", "/api/auth/register", { body: { email, password: "password-123" } }))
        .status,
    ).toBe(201);
    const viewer = await login(email, "password-123");
    const response = await api("POST", "/api/concerts/", {
      token: viewer,
      body: concert({ name: `x${NUL}` }),
    });
    expect(response.status).toBe(403);
    expect(
      (await api("POST", "/api/concerts/", { body: concert({ name: `x${NUL}` }) })).status,
    ).toBe(401);
    // The same request from an admin is the 422.
    expect(
      (await api("POST", "/api/concerts/", { token: admin, body: concert({ name: `x${NUL}` }) }))
        .status,
    ).toBe(422);
  });
});
