import { HttpError } from "@concert/service-kit";

/**
 * What the gateway refuses in a URL before forwarding it: percent-escapes that are not UTF-8 (in
 * the path or the query: no service could read them, and Fastify refuses such a path the same
 * way), and a `..` segment in the path, plain or escaped, which could otherwise climb out of the
 * prefix the gateway routed on (`/api/concerts/../auth/...`) at a service that resolves it.
 */
export function checkRequestUrl(url: string): void {
  const query = url.indexOf("?");
  const path = query === -1 ? url : url.slice(0, query);
  if (!url.includes("%")) {
    refuseClimbing(path);
    return;
  }
  try {
    decodeURIComponent(url);
  } catch {
    throw new HttpError(400, "The URL is not valid percent-encoded UTF-8");
  }
  refuseClimbing(decodeURIComponent(path));
}

function refuseClimbing(path: string): void {
  if (!path.includes("..")) return;
  if (path.split("/").includes("..")) {
    throw new HttpError(400, "The path may not contain a '..' segment");
  }
}
