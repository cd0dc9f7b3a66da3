import { z } from "zod";
import { defineEvent } from "../events/define-event.js";
import { Role } from "./roles.js";

export const UserRegistered = defineEvent({
  name: "UserRegistered",
  version: 1,
  producer: "identity",
  aggregate: "user",
  verb: "registered",
  payload: z.object({
    user_id: z.uuid(),
    email: z.string(),
    /** Always sent now; optional so events recorded before usernames existed still parse. */
    username: z.string().optional(),
    /** The display name: the full name, or the username when none was given. */
    full_name: z.string(),
    role: Role,
  }),
});

export const UserRoleChanged = defineEvent({
  name: "UserRoleChanged",
  version: 1,
  producer: "identity",
  aggregate: "user",
  verb: "role_changed",
  payload: z.object({ user_id: z.uuid(), email: z.string(), role: Role, previous_role: Role }),
});
