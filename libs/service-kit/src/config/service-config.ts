import { serviceEntry } from "@concert/contracts";
import { z } from "zod";
import { loadConfig } from "./load-config.js";
import { assertProductionSafe } from "./production-guards.js";
import { processedEventsRetentionDays, retentionConfigShape } from "./retention-config.js";

const csv = z.string().transform((value) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean),
);

/** Accepts the seed's SQLAlchemy form (`postgresql+asyncpg://`) as well as a plain URL. */
const postgresUrl = z
  .string()
  .min(1)
  .transform((value) => value.replace(/^postgres(ql)?\+\w+:\/\//, "postgresql://"))
  .pipe(z.url({ protocol: /^postgres(ql)?$/ }));

/**
 * Variables every service reads. The seed's names (DATABASE_URL, ENV, SECRET_KEY, ALGORITHM,
 * ACCESS_TOKEN_EXPIRE_MINUTES) keep their meaning; defaults make a local start need nothing.
 */
const sharedConfigShape = {
  ENV: z.enum(["development", "test", "production"]).default("development"),
  HOST: z.string().default("127.0.0.1"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  DATABASE_URL: postgresUrl.default("postgresql://postgres@127.0.0.1:5432/concert_tickets"),
  /**
   * Connections one process holds for its requests and event consumers (the outbox relay has 2 of
   * its own). Replicas × (this + 2) must stay under the server's `max_connections`.
   */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(1_000).default(20),
  /**
   * Under a stream of commits, the outbox relay begins a pass at most this often; what commits
   * meanwhile shares the next one. Longer: fewer passes (each a claim, a mark and a commit), more
   * lag. The first pass after a quiet spell goes at once.
   */
  OUTBOX_PASS_SPACING_MS: z.coerce.number().int().min(0).max(1_000).default(5),
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  /** Prepended to every subject and stream name; lets test runs share one server. */
  NATS_SUBJECT_PREFIX: z.string().default(""),
  SECRET_KEY: z.string().optional(),
  ALGORITHM: z.enum(["RS256", "ES256", "HS256"]).default("RS256"),
  ACCESS_TOKEN_EXPIRE_MINUTES: z.coerce.number().int().min(1).max(10_080).default(30),
  JWT_PUBLIC_KEY: z.string().optional(),
  JWT_PUBLIC_KEY_FILE: z.string().optional(),
  /** Identity's alone: the only service that mints tokens. */
  JWT_PRIVATE_KEY: z.string().optional(),
  JWT_PRIVATE_KEY_FILE: z.string().optional(),
  /** Ticketing signs QR codes with the private key; attendance verifies with the public one. */
  TICKET_CODE_PRIVATE_KEY: z.string().optional(),
  TICKET_CODE_PRIVATE_KEY_FILE: z.string().optional(),
  TICKET_CODE_PUBLIC_KEY: z.string().optional(),
  TICKET_CODE_PUBLIC_KEY_FILE: z.string().optional(),
  /** Where a generated development key pair lives when no key is configured (never in production). */
  DEV_KEYS_DIR: z.string().optional(),
  CORS_ORIGINS: csv.default(["*"]),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  ...retentionConfigShape,
};

type SharedConfig = z.infer<z.ZodObject<typeof sharedConfigShape>>;

/** What every service's config holds besides its own variables (`Extra`). */
export type ServiceConfig<Extra extends z.ZodRawShape = Record<never, never>> = SharedConfig &
  ([keyof Extra] extends [never] ? unknown : z.infer<z.ZodObject<Extra>>) & {
    PORT: number;
    service: string;
    databaseUrl: string;
    databaseSchema: string;
  };

/**
 * The config of one service: the shared variables, `PORT` (defaulting to the service's port in
 * SERVICE_DIRECTORY), its own `extra` variables and its database: `<SERVICE>_DATABASE_URL`
 * overrides `DATABASE_URL`; the schema is the service's name. In production, the shared unsafe
 * settings and the service's own `productionProblems` are refused together, every one listed.
 */
export function loadServiceConfig<Extra extends z.ZodRawShape = Record<never, never>>(
  service: string,
  extra: Extra | undefined,
  env: Record<string, string | undefined> = process.env,
  productionProblems?: (config: ServiceConfig<Extra>) => string[],
): ServiceConfig<Extra> {
  const urlOverride = `${service.toUpperCase()}_DATABASE_URL`;
  const schema = z.object({
    ...sharedConfigShape,
    PORT: z.coerce.number().int().min(0).max(65535).default(serviceEntry(service).port),
    [urlOverride]: postgresUrl.optional(),
    ...(extra ?? ({} as Extra)),
  });
  const raw = loadConfig(schema, env) as Record<string, unknown> & SharedConfig;
  const config = {
    ...raw,
    service,
    databaseUrl: (raw[urlOverride] as string | undefined) ?? raw.DATABASE_URL,
    databaseSchema: service,
  } as ServiceConfig<Extra>;
  assertProductionSafe(
    config,
    config.ENV === "production" ? (productionProblems?.(config) ?? []) : [],
  );
  processedEventsRetentionDays(config);
  return config;
}

/**
 * A service's database URL as its config reads it (`<SERVICE>_DATABASE_URL`, else
 * `DATABASE_URL`, else the local default), for tools that need only that: the migration CLI.
 */
export function serviceDatabaseUrl(
  service: string,
  env: Record<string, string | undefined> = process.env,
): string {
  const urlOverride = `${service.toUpperCase()}_DATABASE_URL`;
  const schema = z.object({
    DATABASE_URL: sharedConfigShape.DATABASE_URL,
    [urlOverride]: postgresUrl.optional(),
  });
  const raw = loadConfig(schema, env) as Record<string, string | undefined>;
  return raw[urlOverride] ?? (raw.DATABASE_URL as string);
}
