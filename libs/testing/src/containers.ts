import {
  GenericContainer,
  getContainerRuntimeClient,
  type StartedTestContainer,
} from "testcontainers";

export interface StartedContainers {
  postgresUrl: string;
  natsUrl: string;
  stop(): Promise<void>;
}

/** Starts Postgres and NATS in Docker, or returns undefined at once where no engine answers. */
export async function startContainers(): Promise<StartedContainers | undefined> {
  try {
    await getContainerRuntimeClient();
  } catch {
    return undefined;
  }
  const [postgres, nats] = await Promise.all([
    new GenericContainer("postgres:15-alpine")
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: "trust" })
      .withExposedPorts(5432)
      .withCommand(["postgres", "-c", "max_connections=300"])
      .start(),
    new GenericContainer("nats:2.10-alpine").withCommand(["-js"]).withExposedPorts(4222).start(),
  ]);
  return {
    postgresUrl: `postgres://postgres@${postgres.getHost()}:${postgres.getMappedPort(5432)}/postgres`,
    natsUrl: `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`,
    stop: () => stopAll([postgres, nats]),
  };
}

async function stopAll(containers: StartedTestContainer[]): Promise<void> {
  await Promise.all(containers.map((c) => c.stop()));
}
