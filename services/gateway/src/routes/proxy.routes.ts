import type { AppContext } from "../app-context.js";
import { proxyPlugin } from "../routing/proxy.plugin.js";
import { routeTable } from "../routing/route-table.js";

/** Each public prefix forwarded to its service, after the token is checked here first. */
export async function proxyRoutes({ app, config, verify }: AppContext): Promise<void> {
  for (const upstream of routeTable(config)) {
    await app.register(proxyPlugin, {
      upstream,
      verify,
      timeoutMs: config.UPSTREAM_TIMEOUT_MS,
      connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
      pipelining: config.UPSTREAM_PIPELINING,
      bodyLimit: config.BODY_LIMIT_BYTES,
    });
  }
}
