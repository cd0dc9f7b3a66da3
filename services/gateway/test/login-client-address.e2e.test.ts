import { identityService } from "@concert/identity";
import { startBehindGateway } from "@concert/service-kit/testing";
import { startForFile, testEnv } from "@concert/testing";
import { describe, expect, it } from "vitest";
import { gatewayService } from "../src/service.js";

// Here rather than in services/identity: identity cannot depend on the gateway package.
const CLIENT_MAX = 4;
const { service: stack } = startForFile((infra) =>
  startBehindGateway(
    identityService,
    gatewayService,
    testEnv(infra, { BCRYPT_ROUNDS: "4", LOGIN_CLIENT_MAX_FAILURES: String(CLIENT_MAX) }),
  ),
);

describe("the per-client login limit through the gateway", () => {
  it("cannot be dodged by writing a new X-Forwarded-For on every attempt", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < CLIENT_MAX + 3; i++) {
      const response = await fetch(`${stack.url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": `203.0.113.${i + 1}` },
        body: JSON.stringify({ email: `sprayed-${i}@example.com`, password: "guess-123" }),
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([...Array(CLIENT_MAX).fill(401), ...Array(3).fill(429)]);
  });
});
