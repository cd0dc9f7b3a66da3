import type { FastifyInstance } from "fastify";

/**
 * What a readiness check may report besides "ok" (returning nothing) and "failed" (throwing):
 * "degraded" means the service still serves requests without this dependency (NATS: events wait
 * in the outbox); `info` is shown under `details` (an outbox's backlog).
 */
export interface ReadinessReport {
  degraded?: string;
  info?: Record<string, unknown>;
}

// biome-ignore lint/suspicious/noConfusingVoidType: a plain `async () => { ... }` check must fit
export type ReadinessCheck = () => Promise<void | ReadinessReport>;

/**
 * `/healthz` answers while the process lives (liveness: restart me if not). `/readyz` answers 200
 * while the service can serve requests (readiness: send me traffic), 503 naming the checks that
 * failed. A degraded dependency is named in the body but keeps the service ready. Both are
 * hidden from the API documents, and the gateway does not forward them (README "Health and
 * readiness").
 */
export function registerHealthRoutes(
  app: FastifyInstance,
  checks: Record<string, ReadinessCheck>,
): void {
  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
  app.get("/readyz", { schema: { hide: true } }, async (_request, reply) => {
    const details: Record<string, unknown> = {};
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          const report = (await check()) ?? {};
          if (report.info) details[name] = report.info;
          if (report.degraded) {
            details[name] = { ...report.info, reason: report.degraded };
            return [name, "degraded"] as const;
          }
          return [name, "ok"] as const;
        } catch (error) {
          return [name, error instanceof Error ? error.message : "unavailable"] as const;
        }
      }),
    );
    const failed = results.filter(([, state]) => state !== "ok" && state !== "degraded");
    const degraded = results.some(([, state]) => state === "degraded");
    const body = {
      status: failed.length ? "unavailable" : degraded ? "degraded" : "ok",
      checks: Object.fromEntries(results),
      ...(Object.keys(details).length > 0 && { details }),
    };
    return reply
      .status(failed.length ? 503 : 200)
      .send(
        failed.length
          ? { detail: `Not ready: ${failed.map(([n]) => n).join(", ")}`, ...body }
          : body,
      );
  });
}
