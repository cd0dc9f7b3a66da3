import { createHash } from "node:crypto";

const names = new Map<string, string>();
/** Past this many texts something generates SQL dynamically: stop preparing rather than grow. */
const MAX_NAMED_STATEMENTS = 2_000;

/**
 * Names each distinct SQL text, so node-postgres prepares it once per connection and Postgres
 * reuses the plan: the gate's claim statement spent twice as long being planned as running.
 * Prisma's statements and the kit's raw ones are parameterised, so the set of texts stays small.
 * Both name a text alike, so they share what a pooled connection already prepared.
 */
export function statementName(sql: string): string {
  let name = names.get(sql);
  if (!name) {
    // node-postgres sends an empty name as an unnamed (unprepared) statement.
    if (names.size >= MAX_NAMED_STATEMENTS) return "";
    name = `p${createHash("sha1").update(sql).digest("hex").slice(0, 20)}`;
    names.set(sql, name);
  }
  return name;
}
