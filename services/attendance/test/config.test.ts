import { loadServiceConfig } from "@concert/service-kit";
import { describe, expect, it } from "vitest";
import { attendanceConfig } from "../src/config.js";

const load = (env: Record<string, string>) =>
  loadServiceConfig("attendance", attendanceConfig, env);

describe("attendance's configuration", () => {
  it("gives the outbox relay a thread of its own unless told not to", () => {
    expect(load({}).OUTBOX_RELAY_THREAD).toBe(true);
    expect(load({ OUTBOX_RELAY_THREAD: "false" }).OUTBOX_RELAY_THREAD).toBe(false);
  });
});
