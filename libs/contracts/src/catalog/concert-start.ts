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

const ISO_START =
  /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d\d):?(\d\d))?)?$/i;
const UNIX_TIME = /^[+-]?\d+(\.\d+)?$/;
/** Pydantic's line between Unix seconds and milliseconds. */
const UNIX_MILLISECONDS_BEYOND = 2e10;

/** The instant a start names; an invalid `Date` (NaN) when it names none. */
export function instantOf(value: StartValue): Date {
  if (typeof value === "number" || UNIX_TIME.test(value)) {
    const unix = Number(value);
    return new Date(Math.abs(unix) > UNIX_MILLISECONDS_BEYOND ? unix : unix * 1000);
  }
  const parts = ISO_START.exec(value);
  if (!parts) return new Date(Number.NaN);
  const [, year, month, day, hour = "0", minute = "0", second = "0", fraction = ""] = parts;
  const [sign, offsetHours = "0", offsetMinutes = "0"] = parts.slice(9);
  const fields = [year, month, day, hour, minute, second].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [y, mo, d, h, mi, s] = fields;
  const local = Date.UTC(y, mo - 1, d, h, mi, s, Number(fraction.padEnd(3, "0").slice(0, 3)));
  const asWritten = new Date(local);
  const exists =
    asWritten.getUTCFullYear() === y &&
    asWritten.getUTCMonth() === mo - 1 &&
    asWritten.getUTCDate() === d &&
    h < 24 &&
    mi < 60 &&
    s < 60 &&
    Number(offsetHours) < 24 &&
    Number(offsetMinutes) < 60;
  if (!exists) return new Date(Number.NaN);
  const offset = (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
  return new Date(sign === "-" ? local + offset : local - offset);
}
