import type { FastifyInstance } from "fastify";

export type ReadinessCheck = () => Promise<void>;

/**
 * `/healthz` answers while the process lives (restart me if not); `/readyz` only while every
 * dependency answers (send me traffic), naming the ones that do not.
 */
export function registerHealthRoutes(
  app: FastifyInstance,
  checks: Record<string, ReadinessCheck>,
): void {
  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
  app.get("/readyz", { schema: { hide: true } }, async (_request, reply) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await check();
          return [name, "ok"] as const;
        } catch (error) {
          return [name, error instanceof Error ? error.message : "unavailable"] as const;
        }
      }),
    );
    const failed = results.filter(([, state]) => state !== "ok");
    const body = {
      status: failed.length ? "unavailable" : "ok",
      checks: Object.fromEntries(results),
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
