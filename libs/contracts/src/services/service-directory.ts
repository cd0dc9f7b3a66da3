/**
 * Every service of the stack, declared once: its local port (also the default of its `PORT`) and
 * the public path prefix the gateway forwards to it. Configuration, the gateway's route table,
 * `npm start` and the service generator all read it here; a service's name is also the Postgres
 * schema it owns.
 */
export const SERVICE_DIRECTORY = {
  gateway: { port: 8000 },
  identity: { port: 8001, prefix: "/api/auth" },
  catalog: { port: 8002, prefix: "/api/concerts" },
  ticketing: { port: 8003, prefix: "/api/tickets" },
  attendance: { port: 8004, prefix: "/api/scans" },
  refunds: { port: 8005, prefix: "/api/refunds" },
  transfers: { port: 8006, prefix: "/api/transfers" },
} as const satisfies Record<string, ServiceEntry>;

export interface ServiceEntry {
  port: number;
  /** Absent for the gateway itself. */
  prefix?: string;
}

export type ServiceName = keyof typeof SERVICE_DIRECTORY;

export function serviceEntry(name: string): ServiceEntry {
  const entry = (SERVICE_DIRECTORY as Record<string, ServiceEntry>)[name];
  if (!entry) throw new Error(`service "${name}" is not in SERVICE_DIRECTORY (libs/contracts)`);
  return entry;
}

/** The services behind the gateway, in the directory's order. */
export function upstreamServices(): Array<{ name: string; port: number; prefix: string }> {
  return Object.entries(SERVICE_DIRECTORY as Record<string, ServiceEntry>).flatMap(
    ([name, entry]) => (entry.prefix ? [{ name, port: entry.port, prefix: entry.prefix }] : []),
  );
}
