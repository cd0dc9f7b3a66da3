import { randomUUID } from "node:crypto";
import { expect } from "vitest";

export interface ApiResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answered
  body: any;
  headers: Headers;
}

/** A tiny JSON client for the gateway: what a frontend does, minus the browser. */
/** A signed-in viewer made by `person`. */
export interface Person {
  token: string;
  id: string;
  email: string;
}

export function apiClient(baseUrl: () => string) {
  async function api(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse> {
    const response = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: {
        ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      ...(options.body !== undefined
        ? { body: typeof options.body === "string" ? options.body : JSON.stringify(options.body) }
        : {}),
    });
    const text = await response.text();
    const isJson = response.headers.get("content-type")?.includes("json");
    return {
      status: response.status,
      body: text && isJson ? JSON.parse(text) : text,
      headers: response.headers,
    };
  }

  async function login(email: string, password: string): Promise<string> {
    const response = await api("POST", "/api/auth/login", { body: { email, password } });
    expect(response.status).toBe(200);
    return response.body.access_token;
  }

  async function registerAndLogin(email: string, password = "password-123"): Promise<string> {
    const registered = await api("POST", "/api/auth/register", {
      body: { email, password, full_name: email.split("@")[0] },
    });
    expect(registered.status).toBe(201);
    return login(email, password);
  }

  /** A new viewer, signed in: their token, account id and email. */
  async function person(name: string): Promise<Person> {
    const email = `${name}-${randomUUID()}@example.com`;
    const token = await registerAndLogin(email);
    const me = await api("GET", "/api/auth/me", { token });
    return { token, id: me.body.id as string, email };
  }

  /** A concert at 20 a ticket with `tickets` tickets issued, its capacity exactly that. */
  async function concertOnSale(admin: string, tickets: number) {
    const concert = await api("POST", "/api/concerts/", {
      token: admin,
      body: {
        name: `Show ${randomUUID().slice(0, 6)}`,
        // Tonight: the gate's doors are open, so scans that name no concert admit.
        date: new Date(Date.now() + 3_600_000).toISOString(),
        venue: "Arena",
        capacity: tickets,
        ticket_price: 20,
      },
    });
    expect(concert.status).toBe(201);
    const id = concert.body.id as string;
    await eventuallyStatus(
      () =>
        api("POST", `/api/tickets/batch/create/${id}`, {
          token: admin,
          body: { quantity: tickets },
        }),
      201,
    );
    return id;
  }

  return { api, login, registerAndLogin, person, concertOnSale };
}

/** Retries while another service has not yet caught up with an event (another status until then). */
export async function eventuallyStatus(
  call: () => Promise<ApiResponse>,
  status: number,
): Promise<ApiResponse> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await call();
    if (response.status === status || Date.now() > deadline) {
      expect(response.status).toBe(status);
      return response;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
