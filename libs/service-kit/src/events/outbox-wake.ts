import type { SqlClient } from "./sql-client.js";

/**
 * Wakes the relay for the outbox rows of these event ids, committed just now. The relay claims
 * them by id (docs/BENCHMARKS.md, "The relay claims what it was told"); a wake-up without ids
 * makes it look for every row due.
 */
export type RelayWake = (eventIds: readonly string[]) => void;

/**
 * What recording an event on a client means for the relay: a client whose statements commit as
 * they return (the service's top-level Prisma client) wakes it at once; a transaction's client
 * notes the ids, and the transaction wakes the relay with them once it has committed. A client
 * the kit did not wrap (a test's own `pg` client) has no entry: its rows wait for the relay's poll.
 */
const onRecorded = new WeakMap<object, RelayWake>();

/**
 * Called by the kit's recording functions once their statement has returned, with the ids of
 * the events it wrote (or, for a conditional statement, may have written).
 */
export function eventRecorded(db: SqlClient, eventIds: readonly string[]): void {
  onRecorded.get(db)?.(eventIds);
}

/**
 * Makes `client`, whose every statement is its own transaction (the kit's `SqlPool`), wake the
 * relay as soon as a statement that recorded an event returns: it has committed by then.
 */
export function wakeOnRecord<C extends SqlClient>(client: C, wake: RelayWake): C {
  onRecorded.set(client, wake);
  return client;
}

/** The part of a Prisma client the wrapper replaces. */
interface Transacting extends SqlClient {
  // biome-ignore lint/suspicious/noExplicitAny: each generated client types its own transaction client
  $transaction(...args: any[]): Promise<any>;
}

/**
 * Makes `client` wake the outbox relay after every commit that recorded an event, so no service
 * can forget to: a statement run on `client` itself is its own transaction (committed when it
 * returns), and `client.$transaction(work)` wakes after its commit when `work` recorded one. A
 * rolled-back transaction wakes nothing. This replaces a NOTIFY per commit, which took a
 * cluster-wide lock at every commit (docs/BENCHMARKS.md); other processes' rows are found by the
 * relay's poll instead.
 */
export function wakeAfterCommit<C extends Transacting>(client: C, wake: RelayWake): C {
  onRecorded.set(client, wake);
  const transaction = client.$transaction.bind(client);
  // An own property, so the generated client's type (and every other member) stays as it was.
  client.$transaction = (work: unknown, ...rest: unknown[]) => {
    // The array form runs prepared queries only; the kit records events through callbacks.
    if (typeof work !== "function") return transaction(work, ...rest);
    const recorded: string[] = [];
    return transaction(
      async (tx: object) => {
        onRecorded.set(tx, (eventIds) => {
          // Not push(...eventIds): a batch of 150,000 ids overflows the call stack.
          for (const id of eventIds) recorded.push(id);
        });
        return (work as (tx: object) => unknown)(tx);
      },
      ...rest,
    ).then((result) => {
      if (recorded.length > 0) wake(recorded);
      return result;
    });
  };
  return client;
}
