import { KeyObject } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserRegistered } from "@concert/contracts";
import { describe, expect, it } from "vitest";
import { consumersOf, defineService, handlerFor, type SqlClient } from "../../src/index.js";

// A service's consumers, resolved without starting it (the benchmark waits on their backlog).
const env = () => ({ DEV_KEYS_DIR: mkdtempSync(join(tmpdir(), "consumers-of-")) });
const handler = handlerFor<SqlClient, typeof UserRegistered>(UserRegistered, async () => {});

describe("a service's consumers", () => {
  it("are its list as declared", () => {
    const service = defineService({
      name: "catalog",
      description: "a list of consumers",
      consumes: [handler],
      routes: [],
    });
    expect(consumersOf(service, env())).toEqual([handler]);
  });

  it("are built with its keys when declared as a function of them", () => {
    const given: unknown[] = [];
    const service = defineService({
      name: "ticketing",
      description: "consumers that sign codes",
      keys: { ticketCodes: "sign" },
      consumes: (keys) => {
        given.push(keys.ticketCodeSigning);
        return [handler];
      },
      routes: [],
    });
    expect(consumersOf(service, env())).toEqual([handler]);
    expect(given).toHaveLength(1);
    expect(given[0]).toBeInstanceOf(KeyObject);
    expect((given[0] as KeyObject).type).toBe("private");
  });
});
