import { describe, expect, it } from "vitest";
import { processedEventsRetentionDays } from "../../src/config/retention-config.js";
import { ConfigError, loadServiceConfig } from "../../src/index.js";

const load = (env: Record<string, string>) => loadServiceConfig("catalog", undefined, env);

describe("retention configuration", () => {
  it("defaults: events 30 days, no size limit, dead letters 60, outbox 24 h, dedupe rows 67 days", () => {
    const config = load({});
    expect(config).toMatchObject({
      EVENTS_MAX_AGE_DAYS: 30,
      EVENTS_MAX_BYTES: -1,
      DEAD_LETTERS_MAX_AGE_DAYS: 60,
      OUTBOX_RETENTION_HOURS: 24,
    });
    expect(processedEventsRetentionDays(config)).toBe(67);
  });

  it("refuses an event stream kept no longer than the longest access token (7 days)", () => {
    expect(() => load({ EVENTS_MAX_AGE_DAYS: "7" })).toThrow(ConfigError);
    expect(load({ EVENTS_MAX_AGE_DAYS: "8" }).EVENTS_MAX_AGE_DAYS).toBe(8);
  });

  it("refuses dedupe rows that would go while their event can still be delivered", () => {
    expect(() => load({ PROCESSED_EVENTS_RETENTION_DAYS: "30" })).toThrow(
      /PROCESSED_EVENTS_RETENTION_DAYS/,
    );
    expect(() =>
      load({
        EVENTS_MAX_AGE_DAYS: "10",
        DEAD_LETTERS_MAX_AGE_DAYS: "20",
        PROCESSED_EVENTS_RETENTION_DAYS: "20",
      }),
    ).toThrow(ConfigError);
    const fine = load({
      EVENTS_MAX_AGE_DAYS: "10",
      DEAD_LETTERS_MAX_AGE_DAYS: "20",
      PROCESSED_EVENTS_RETENTION_DAYS: "21",
    });
    expect(processedEventsRetentionDays(fine)).toBe(21);
  });
});
