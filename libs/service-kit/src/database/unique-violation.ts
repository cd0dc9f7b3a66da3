interface AdapterErrorCause {
  kind?: string;
  constraint?: { index?: string };
}

/**
 * Whether `error` is Postgres refusing a duplicate key (of `constraint`, when named), whether it
 * came through Prisma's driver adapter or straight from `pg`.
 */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const raw = error as {
    code?: string;
    constraint?: string;
    meta?: { driverAdapterError?: { cause?: AdapterErrorCause } };
  } | null;
  const cause = raw?.meta?.driverAdapterError?.cause;
  if (cause?.kind === "UniqueConstraintViolation") {
    return constraint === undefined || cause.constraint?.index === constraint;
  }
  if (raw?.code === "23505") return constraint === undefined || raw.constraint === constraint;
  return false;
}
