/**
 * A concert's start as a request sends it, in the forms the original's FastAPI (pydantic's lax
 * `datetime`) took:
 * - ISO 8601 with `T` or a space before the time, minutes, optional seconds and fractions, and
 *   optionally `Z` or an offset `±HH:MM` / `±HHMM`: an HTML `datetime-local` value
 *   (`2026-12-01T20:00`), Python's `str(datetime)` (`2026-12-01 20:00:00`), JavaScript's
 *   `toISOString()`;
 * - a bare day (`2026-12-01`), meaning its midnight;
 * - Unix time, a number or its text: seconds, or milliseconds beyond ±2e10, as pydantic reads it.
 * Without an offset the start is read as UTC: the original kept what it was given, without a
 * zone, and a server has no other zone to read it in. A day or time that does not exist
 * (`2026-02-30`, `24:00`) is no start, rather than rolled over as `Date` would.
 */
export type StartValue = string | number;

const ISO_START = new RegExp(
  "^(?<year>\\d{4})-(?<month>\\d\\d)-(?<day>\\d\\d)" +
    "(?:[T ](?<hour>\\d\\d):(?<minute>\\d\\d)(?::(?<second>\\d\\d)(?:\\.(?<fraction>\\d{1,9}))?)?" +
    "(?:Z|(?<sign>[+-])(?<offsetHours>\\d\\d):?(?<offsetMinutes>\\d\\d))?)?$",
  "i",
);
const UNIX_TIME = /^[+-]?\d+(\.\d+)?$/;
/** Pydantic's line between Unix seconds and milliseconds. */
const UNIX_MILLISECONDS_BEYOND = 2e10;

/** The instant a start names; an invalid `Date` (NaN) when it names none. */
export function instantOf(value: StartValue): Date {
  if (typeof value === "number" || UNIX_TIME.test(value)) {
    const unix = Number(value);
    return new Date(Math.abs(unix) > UNIX_MILLISECONDS_BEYOND ? unix : unix * 1000);
  }
  const parts = ISO_START.exec(value)?.groups;
  if (!parts) return new Date(Number.NaN);
  const at = (name: string) => Number(parts[name] ?? 0);
  const [year, month, day, hour, minute, second] = [
    at("year"),
    at("month"),
    at("day"),
    at("hour"),
    at("minute"),
    at("second"),
  ];
  const milliseconds = Number((parts.fraction ?? "").padEnd(3, "0").slice(0, 3));
  const local = Date.UTC(year, month - 1, day, hour, minute, second, milliseconds);
  const written = new Date(local);
  const exists =
    written.getUTCFullYear() === year &&
    written.getUTCMonth() === month - 1 &&
    written.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60 &&
    at("offsetHours") < 24 &&
    at("offsetMinutes") < 60;
  if (!exists) return new Date(Number.NaN);
  const offset = (at("offsetHours") * 60 + at("offsetMinutes")) * 60_000;
  return new Date(parts.sign === "-" ? local + offset : local - offset);
}
