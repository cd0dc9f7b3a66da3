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

/**
 * A user's access changed (role, deactivation, reactivation): `access_version` is the version
 * every token minted from now on carries. Every verifier refuses a token of a lower version, and
 * any token of an inactive user. The events stream must keep these at least as long as the
 * longest access token lives (ACCESS_TOKEN_EXPIRE_MINUTES), or a restarted verifier forgets them.
 */
export const UserAccessChanged = defineEvent({
  name: "UserAccessChanged",
  version: 1,
  producer: "identity",
  aggregate: "user",
  verb: "access_changed",
  payload: z.object({
    user_id: z.uuid(),
    access_version: z.number().int().min(1),
    role: Role,
    is_active: z.boolean(),
  }),
});
