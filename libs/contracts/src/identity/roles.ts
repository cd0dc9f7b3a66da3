import { z } from "zod";

/** The seed's roles, exactly. */
export const Role = z.enum(["admin", "scanner", "viewer"]);
export type Role = z.infer<typeof Role>;
