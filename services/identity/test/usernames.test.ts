import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { applyMigrations } from "@concert/service-kit";
import { startForFile, withClient } from "@concert/testing";
import { afterAll, describe, expect, it } from "vitest";
import { deriveUsername, usernameBase } from "../src/domain/usernames.js";

describe("the username an account without one gets", () => {
  it("is the email's local part, lower-cased, with other characters replaced by _", () => {
    expect(usernameBase("John.Smith@example.com")).toBe("john.smith");
    expect(usernameBase("anna+tickets@example.com")).toBe("anna_tickets");
    expect(usernameBase("o'neil!@example.com")).toBe("o_neil_");
    expect(usernameBase("x_y-z@example.com")).toBe("x_y-z");
  });

  it("is padded to 3 characters and cut to 50", () => {
    expect(usernameBase("a@example.com")).toBe("a__");
    expect(usernameBase(`${"b".repeat(70)}@example.com`)).toBe("b".repeat(50));
  });

  it("takes the first free numeric suffix from 2 when the name is taken, regardless of case", () => {
    expect(deriveUsername("john@a.com", new Set())).toBe("john");
    expect(deriveUsername("JOHN@b.com", new Set(["john"]))).toBe("john2");
    expect(deriveUsername("john@c.com", new Set(["john", "john2", "john3"]))).toBe("john4");
    const long = "c".repeat(50);
    expect(deriveUsername(`${long}@x.com`, new Set([long]))).toBe(`${"c".repeat(49)}2`);
  });
});

// An empty test database: the migrations under test run on it directly.
const { infra } = startForFile(async () => ({ close: async () => {} }));
const prismaDir = fileURLToPath(new URL("../prisma", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "identity-migrations-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const USERNAMES_MIGRATION_AT = "20261128162009";

/** A copy of identity's prisma folder holding only the migrations from before usernames. */
function prismaDirBeforeUsernames(): string {
  cpSync(prismaDir, scratch, {
    recursive: true,
    // Migration folders sort by their timestamp: keep those older than the usernames one.
    filter: (source) => {
      const folder = /\/(\d{14})_[^/]+(\/|$)/.exec(source.slice(prismaDir.length));
      return !folder || (folder[1] as string) < USERNAMES_MIGRATION_AT;
    },
  });
  return scratch;
}

describe("the usernames migration on a database from before usernames", () => {
  const oldAccounts = [
    { email: "john@a.com", at: "2024-01-01T00:00:00Z" },
    { email: "john@b.com", at: "2024-01-02T00:00:00Z" },
    { email: "john2@c.com", at: "2024-01-03T00:00:00Z" },
    { email: "mary.o'neil+vip@d.com", at: "2024-01-04T00:00:00Z" },
    { email: "x@e.com", at: "2024-01-05T00:00:00Z" },
  ];

  it("derives every existing account's username by the documented rule, oldest first", async () => {
    const before = await applyMigrations({
      databaseUrl: infra.databaseUrl,
      schema: "identity",
      prismaDir: prismaDirBeforeUsernames(),
    });
    expect(before.applied).not.toContainEqual(expect.stringMatching(/_usernames$/));
    await withClient(infra.databaseUrl, async (client) => {
      for (const account of oldAccounts) {
        await client.query(
          `INSERT INTO identity.users (id, email, full_name, password_hash, created_at, updated_at)
           VALUES (gen_random_uuid(), $1, 'Old Account', 'x', $2, $2)`,
          [account.email, account.at],
        );
      }
    });

    const after = await applyMigrations({
      databaseUrl: infra.databaseUrl,
      schema: "identity",
      prismaDir,
    });
    expect(after.applied).toContainEqual(expect.stringMatching(/_usernames$/));

    const rows = await withClient(infra.databaseUrl, (client) =>
      client.query<{ email: string; username: string }>(
        "SELECT email, username FROM identity.users ORDER BY created_at",
      ),
    );
    expect(rows.rows.map((row) => row.username)).toEqual([
      "john",
      "john2",
      "john22", // its own name (john2) was taken by the second john: base + "2"
      "mary.o_neil_vip",
      "x__",
    ]);
    // The SQL and the function the service uses agree.
    const taken = new Set<string>();
    for (const row of rows.rows) {
      const derived = deriveUsername(row.email, taken);
      taken.add(derived);
      expect(row.username).toBe(derived);
    }
  });

  it("leaves no way to store an account without a username, or one differing only in case", async () => {
    const insert = (username: string | null) =>
      withClient(infra.databaseUrl, (client) =>
        client.query(
          `INSERT INTO identity.users (id, username, email, password_hash, updated_at)
           VALUES (gen_random_uuid(), $1, $2, 'x', now())`,
          [username, `${username ?? "none"}-${Math.random()}@f.com`],
        ),
      );
    await expect(insert(null)).rejects.toMatchObject({ code: "23502", column: "username" });
    await expect(insert("JOHN")).rejects.toMatchObject({
      code: "23505",
      constraint: "users_username_lower_key",
    });
  });
});
