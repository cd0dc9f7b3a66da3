import { expect } from "vitest";

export interface ApiResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answered
  body: any;
  headers: Headers;
}

/** A tiny JSON client for the gateway: what a frontend does, minus the browser. */
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

  return { api, login, registerAndLogin };
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
