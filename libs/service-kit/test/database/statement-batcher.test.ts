import { describe, expect, it } from "vitest";
import { type BatchWork, StatementBatcher } from "../../src/database/index.js";

interface Item {
  group: string;
  n: number;
}

/**
 * A work whose statements end only when the test says so: what ran, in what order, alone or
 * together, is recorded, and each statement is a promise the test settles.
 */
function heldWork(settle: (items: Item[]) => Map<number, string> = answerAll) {
  const statements: { items: Item[]; together: boolean; end(): void }[] = [];
  const warnings: string[] = [];
  const hold = <T>(items: Item[], together: boolean, answer: () => T): Promise<T> =>
    new Promise((resolve, reject) =>
      statements.push({
        items,
        together,
        end: () => {
          try {
            resolve(answer());
          } catch (error) {
            reject(error);
          }
        },
      }),
    );
  const work: BatchWork<Item, string> = {
    name: "test batch",
    alone: (item) => hold([item], false, () => `alone ${item.n}`),
    together: (items) => hold(items, true, () => settle(items)),
    groupOf: (item) => item.group,
  };
  const batcher = new StatementBatcher(work, {
    atOnce: 1,
    maxBatch: 3,
    logger: { warn: (_fields: unknown, message: string) => warnings.push(message) } as never,
  });
  return { batcher, statements, warnings };
}

function answerAll(items: Item[]): Map<number, string> {
  return new Map(items.map((item, index) => [index, `together ${item.n}`]));
}

const item = (group: string, n: number): Item => ({ group, n });
const settled = () => new Promise((resolve) => setImmediate(resolve));
const shape = (statements: { items: Item[]; together: boolean }[]) =>
  statements.map(({ items, together }) => `${together ? "T" : "A"}:${items.map((i) => i.n)}`);

describe("StatementBatcher", () => {
  it("runs an item alone while a slot is free, and what waits together by group, oldest first", async () => {
    const { batcher, statements } = heldWork();
    const answers = [
      batcher.run(item("a", 1)), // a free slot: alone, at once
      batcher.run(item("b", 2)), // then everything waits
      batcher.run(item("a", 3)),
      batcher.run(item("b", 4)),
      batcher.run(item("a", 5)),
      batcher.run(item("a", 6)),
      batcher.run(item("a", 7)),
    ];
    expect(shape(statements)).toEqual(["A:1"]);
    statements[0]?.end();
    await settled();
    // b's oldest (2) arrived before a's (3): b goes first, both of its items in one statement.
    expect(shape(statements)).toEqual(["A:1", "T:2,4"]);
    statements[1]?.end();
    await settled();
    // a's four waiting items: at most three in one statement.
    expect(shape(statements)).toEqual(["A:1", "T:2,4", "T:3,5,6"]);
    statements[2]?.end();
    await settled();
    // One item left waiting runs alone.
    expect(shape(statements)).toEqual(["A:1", "T:2,4", "T:3,5,6", "A:7"]);
    statements[3]?.end();
    expect(await Promise.all(answers)).toEqual([
      "alone 1",
      "together 2",
      "together 3",
      "together 4",
      "together 5",
      "together 6",
      "alone 7",
    ]);
  });

  it("runs alone every item the batch did not settle, and every item of a batch that failed", async () => {
    let fail = false;
    const { batcher, statements, warnings } = heldWork((items) => {
      if (fail) throw new Error("undone");
      return new Map([[1, `together ${items[1]?.n}`]]);
    });
    const first = [1, 2, 3, 4].map((n) => batcher.run(item("a", n)));
    statements[0]?.end();
    await settled();
    statements[1]?.end(); // T:2,3,4 settles only 3
    await settled();
    expect(shape(statements)).toEqual(["A:1", "T:2,3,4", "A:2", "A:4"]);
    for (const statement of statements.slice(2)) statement.end();
    expect(await Promise.all(first)).toEqual(["alone 1", "alone 2", "together 3", "alone 4"]);

    fail = true;
    const second = [5, 6, 7].map((n) => batcher.run(item("a", n)));
    statements[4]?.end();
    await settled();
    statements[5]?.end(); // T:6,7 throws
    await settled();
    expect(shape(statements).slice(4)).toEqual(["A:5", "T:6,7", "A:6", "A:7"]);
    for (const statement of statements.slice(6)) statement.end();
    expect(await Promise.all(second)).toEqual(["alone 5", "alone 6", "alone 7"]);
    expect(warnings).toEqual(["test batch undone; each of its items runs alone"]);
  });

  it("runs an item's own statement again when Postgres undid it for a conflict, at most three times", async () => {
    // node-postgres' shape of a deadlock victim: the SQLSTATE as `code`.
    const deadlock = () => Object.assign(new Error("deadlock detected"), { code: "40P01" });
    const failures: Record<number, Error[]> = {
      1: [deadlock()],
      2: [deadlock(), deadlock(), deadlock()],
      3: [Object.assign(new Error("duplicate key"), { code: "23505" })],
    };
    const attempts: number[] = [];
    const batcher = new StatementBatcher<number, string>(
      {
        name: "test batch",
        alone: async (n) => {
          attempts.push(n);
          const failure = failures[n]?.shift();
          if (failure) throw failure;
          return `alone ${n}`;
        },
        together: async () => new Map(),
      },
      { atOnce: 3, maxBatch: 3, logger: { warn: () => {} } as never },
    );
    const [once, thrice, other] = await Promise.allSettled([1, 2, 3].map((n) => batcher.run(n)));
    expect(once).toEqual({ status: "fulfilled", value: "alone 1" });
    expect(thrice).toMatchObject({ status: "rejected", reason: { code: "40P01" } });
    expect(other).toMatchObject({ status: "rejected", reason: { code: "23505" } });
    expect(attempts.sort()).toEqual([1, 1, 2, 2, 2, 3]);
  });
});
