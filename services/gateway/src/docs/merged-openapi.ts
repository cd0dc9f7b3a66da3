import type { Upstream } from "../routing/route-table.js";

type OpenApiDocument = {
  openapi?: string;
  info?: unknown;
  paths?: Record<string, unknown>;
  components?: Record<string, Record<string, unknown>>;
  tags?: unknown[];
};

/**
 * The public API in one document: each service's `/openapi.json`, merged, refreshed in the
 * background so `/docs` never waits on (or breaks because of) a service that is down.
 */
export class MergedOpenApi {
  private current: OpenApiDocument;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly upstreams: Upstream[],
    private readonly refreshMs = 15_000,
  ) {
    this.current = merge([]);
  }

  document(): OpenApiDocument {
    return this.current;
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    const documents = await Promise.all(
      this.upstreams.map(async (upstream) => ({ upstream, doc: await fetchDocument(upstream) })),
    );
    this.current = merge(documents.filter((entry): entry is Fetched => entry.doc !== undefined));
  }
}

async function fetchDocument(upstream: Upstream): Promise<OpenApiDocument | undefined> {
  try {
    const response = await fetch(`${upstream.urls[0]}/openapi.json`, {
      signal: AbortSignal.timeout(2_000),
    });
    return response.ok ? ((await response.json()) as OpenApiDocument) : undefined;
  } catch {
    return undefined;
  }
}

type Fetched = { upstream: Upstream; doc: OpenApiDocument };

/** One line per service that answered: where it lives in the API and what it does. */
function describeServices(documents: Fetched[]): string {
  const lines = documents.map(({ upstream, doc }) => {
    const about = (doc.info as { description?: string } | undefined)?.description ?? "";
    return `- **${upstream.name}** \`${upstream.prefix}\` ${about}`.trimEnd();
  });
  return ["Every service behind this gateway, merged into one API:", "", ...lines].join("\n");
}

function merge(documents: Fetched[]): OpenApiDocument {
  const merged: Required<Pick<OpenApiDocument, "paths" | "components">> & OpenApiDocument = {
    openapi: "3.0.3",
    info: {
      title: "Concert Tickets API",
      version: "1.0.0",
      description: describeServices(documents),
    },
    paths: {},
    components: {
      securitySchemes: {
        OAuth2PasswordBearer: {
          type: "oauth2",
          flows: { password: { tokenUrl: "/api/auth/login", scopes: {} } },
        },
      },
    },
  };
  for (const { doc } of documents) {
    Object.assign(merged.paths, doc.paths ?? {});
    for (const [section, entries] of Object.entries(doc.components ?? {})) {
      merged.components[section] = { ...(merged.components[section] ?? {}), ...entries };
    }
  }
  return { ...merged, security: [{ OAuth2PasswordBearer: [] }] } as OpenApiDocument;
}
