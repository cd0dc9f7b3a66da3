import { z } from "zod";
import { loadConfig } from "./load-config.js";
import { assertProductionSafe } from "./production-guards.js";

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
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  /** Prepended to every subject and stream name; lets test runs share one server. */
  NATS_SUBJECT_PREFIX: z.string().default(""),
  SECRET_KEY: z.string().optional(),
  ALGORITHM: z.enum(["RS256", "ES256", "HS256"]).default("RS256"),
  ACCESS_TOKEN_EXPIRE_MINUTES: z.coerce.number().int().min(1).max(10_080).default(30),
  JWT_PUBLIC_KEY: z.string().optional(),
  JWT_PUBLIC_KEY_FILE: z.string().optional(),
  /** Where a generated development key pair lives when no key is configured (never in production). */
  DEV_KEYS_DIR: z.string().optional(),
  CORS_ORIGINS: csv.default(["*"]),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
};

type SharedConfig = z.infer<z.ZodObject<typeof sharedConfigShape>>;

export interface ServiceSpec<Extra extends z.ZodRawShape> {
  /** Also the Postgres schema the service owns. */
  service: string;
  defaultPort: number;
  extra?: Extra;
}

/**
 * The config of one service: the shared variables, `PORT` (defaulting per service) and its
 * database: `<SERVICE>_DATABASE_URL` overrides `DATABASE_URL`; the schema is the service's name.
 */
export function loadServiceConfig<Extra extends z.ZodRawShape = Record<never, never>>(
  spec: ServiceSpec<Extra>,
  env: Record<string, string | undefined> = process.env,
) {
  const urlOverride = `${spec.service.toUpperCase()}_DATABASE_URL`;
  const schema = z.object({
    ...sharedConfigShape,
    PORT: z.coerce.number().int().min(0).max(65535).default(spec.defaultPort),
    [urlOverride]: postgresUrl.optional(),
    ...(spec.extra ?? ({} as Extra)),
  });
  const raw = loadConfig(schema, env) as unknown as SharedConfig & { PORT: number } & z.infer<
      z.ZodObject<Extra>
    > &
    Record<string, unknown>;
  const config = {
    ...raw,
    service: spec.service,
    databaseUrl: (raw[urlOverride] as string | undefined) ?? raw.DATABASE_URL,
    databaseSchema: spec.service,
  };
  assertProductionSafe(config);
  return config;
}
