import { UserRegistered } from "@concert/contracts";
import { handlerFor } from "@concert/service-kit";
import type { Tx } from "../app-context.js";

/**
 * Remembers who owns which email, and hands the new account every ticket the box office sold to
 * that email before the account existed.
 */
const userRegisteredHandler = handlerFor<Tx, typeof UserRegistered>(
  UserRegistered,
  async ({ payload }, tx) => {
    const email = payload.email.toLowerCase();
    await tx.$executeRaw`
      INSERT INTO known_users (id, email, full_name)
      VALUES (${payload.user_id}::uuid, ${email}, ${payload.full_name})
      ON CONFLICT DO NOTHING`;
    await tx.$executeRaw`
      UPDATE tickets SET owner_id = ${payload.user_id}::uuid, updated_at = now()
       WHERE owner_email = ${email} AND owner_id IS NULL`;
  },
);

export const userHandlers = [userRegisteredHandler];
