import { z } from "zod";

export const IdParams = z.object({ id: z.uuid() });
export type IdParams = z.infer<typeof IdParams>;

/** ISO 8601 with an explicit offset, as FastAPI emits for timezone-aware datetimes. */
export const Timestamp = z.iso.datetime({ offset: true });
