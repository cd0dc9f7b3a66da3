import type { z } from "zod";
import { ConfigError } from "./config-error.js";

/**
 * The one way a service reads its environment: a zod schema whose keys are the variable names.
 * Fails with a message naming each bad or missing variable instead of a stack trace later on.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join(".") || "(env)"}: ${issue.message}`),
    );
  }
  return result.data;
}
