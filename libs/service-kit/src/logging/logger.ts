import { type Logger, pino } from "pino";

/** One logger shape for every service: JSON lines, the service named, secrets redacted. */
export function createLogger(service: string, level: string): Logger {
  return pino({
    name: service,
    level,
    redact: {
      paths: ["req.headers.authorization", "req.headers.cookie", "*.password", "*.token"],
      censor: "[redacted]",
    },
  });
}

export type { Logger };
