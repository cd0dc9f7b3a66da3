import { SERVICE_DIRECTORY } from "@concert/contracts";
import { loadServiceConfig } from "@concert/service-kit";
import { describe, expect, it } from "vitest";
import { gatewayConfig } from "../src/config.js";
import { routeTable } from "../src/routing/route-table.js";

const table = (env: Record<string, string>) =>
  routeTable(loadServiceConfig("gateway", gatewayConfig, env));

describe("the gateway's route table", () => {
  it("routes every prefix of SERVICE_DIRECTORY to the service's local port by default", () => {
    expect(table({})).toContainEqual({
      name: "attendance",
      prefix: "/api/scans",
      urls: [`http://127.0.0.1:${SERVICE_DIRECTORY.attendance.port}`],
    });
    expect(table({}).map((upstream) => upstream.name)).not.toContain("gateway");
  });

  it("fills the URL template with each service's name and port, as compose names them", () => {
    const upstreams = table({ UPSTREAM_URL_TEMPLATE: "http://{service}:8000" });
    expect(upstreams.find((upstream) => upstream.name === "refunds")?.urls).toEqual([
      "http://refunds:8000",
    ]);
  });

  it("balances over the replicas listed in <SERVICE>_URLS, which win over the template", () => {
    const upstreams = table({
      UPSTREAM_URL_TEMPLATE: "http://{service}:8000",
      ATTENDANCE_URLS: "http://gate-1:8000/, http://gate-2:8000",
    });
    expect(upstreams.find((upstream) => upstream.name === "attendance")?.urls).toEqual([
      "http://gate-1:8000",
      "http://gate-2:8000",
    ]);
  });
});
