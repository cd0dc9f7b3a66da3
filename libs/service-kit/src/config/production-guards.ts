import { ConfigError } from "./config-error.js";

/** The seed's example value, which must never sign production tokens. */
const SEED_DEFAULT_SECRET = "your-secret-key-change-in-production";
const MIN_SECRET_LENGTH = 32;

interface GuardedConfig {
  ENV: string;
  ALGORITHM: string;
  SECRET_KEY?: string | undefined;
  JWT_PUBLIC_KEY?: string | undefined;
  JWT_PUBLIC_KEY_FILE?: string | undefined;
  CORS_ORIGINS: string[];
}

/**
 * Development defaults are convenient and unsafe; in production each of them is a refusal to
 * start, with every problem listed at once.
 */
export function assertProductionSafe(config: GuardedConfig, serviceProblems: string[] = []): void {
  if (config.ENV !== "production") return;
  const problems: string[] = [];
  if (config.ALGORITHM === "HS256") {
    const secret = config.SECRET_KEY ?? "";
    if (!secret) problems.push("SECRET_KEY: required when ALGORITHM=HS256");
    else if (secret === SEED_DEFAULT_SECRET) problems.push("SECRET_KEY: still the example value");
    else if (secret.length < MIN_SECRET_LENGTH)
      problems.push(`SECRET_KEY: shorter than ${MIN_SECRET_LENGTH} characters`);
  } else if (!config.JWT_PUBLIC_KEY && !config.JWT_PUBLIC_KEY_FILE) {
    problems.push(
      "JWT_PUBLIC_KEY: required in production (a generated development key is refused)",
    );
  }
  if (config.CORS_ORIGINS.includes("*") || config.CORS_ORIGINS.length === 0) {
    problems.push("CORS_ORIGINS: must list the allowed origins in production, not '*'");
  }
  // The Origin sandboxed iframes and file:// pages send: allowing it allows any page to forge it.
  if (config.CORS_ORIGINS.some((origin) => origin.toLowerCase() === "null")) {
    problems.push("CORS_ORIGINS: must not allow the origin 'null'");
  }
  problems.push(...serviceProblems);
  if (problems.length > 0) throw new ConfigError(problems);
}
