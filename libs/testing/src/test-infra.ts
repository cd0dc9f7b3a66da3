import { randomBytes } from "node:crypto";
import pg from "pg";
import { startContainers } from "./containers.js";

/**
 * Real Postgres and NATS for one test run. Every run gets a database of its own and a
 * subject prefix of its own, so parallel or repeated runs never see each other's data.
 */
export interface TestInfra {
  /** Points at the fresh database of this run. */
  databaseUrl: string;
  natsUrl: string;
  /** Prefix for every subject and stream name of this run, e.g. "t3f9a1c.". */
  subjectPrefix: string;
  /** A short unique token, handy for unique names inside the run. */
  runId: string;
  stop(): Promise<void>;
}

/**
 * For a service started with neither database nor broker: the gateway alone in front of stand-ins,
 * the kit's HTTP tests. Nothing connects to these.
 */
export const NO_INFRA: TestInfra = {
  databaseUrl: "postgresql://unused@127.0.0.1/unused",
  natsUrl: "",
  subjectPrefix: "",
  runId: "",
  stop: async () => {},
};

const LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres";
const LOCAL_NATS = "nats://127.0.0.1:4222";

/**
 * Uses testcontainers when a Docker engine answers, otherwise the local servers
 * (overridable with TEST_DATABASE_URL / TEST_NATS_URL, or forced with TEST_INFRA=local).
 */
export async function startTestInfra(): Promise<TestInfra> {
  const runId = randomBytes(4).toString("hex");
  const containers = process.env.TEST_INFRA === "local" ? undefined : await startContainers();
  const adminUrl = containers?.postgresUrl ?? process.env.TEST_DATABASE_URL ?? LOCAL_POSTGRES;
  const natsUrl = containers?.natsUrl ?? process.env.TEST_NATS_URL ?? LOCAL_NATS;

  const databaseName = `test_${runId}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE "${databaseName}"`));
  const databaseUrl = withDatabase(adminUrl, databaseName);

  return {
    databaseUrl,
    natsUrl,
    subjectPrefix: `t${runId}.`,
    runId,
    async stop() {
      await withClient(adminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`),
      );
      await containers?.stop();
    },
  };
}

/** The same server URL, naming another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Runs `fn` on a client of its own, closed afterwards whatever happens. */
export async function withClient<T>(
  url: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
