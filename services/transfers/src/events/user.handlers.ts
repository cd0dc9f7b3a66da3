import { UserRegistered } from "@concert/contracts";
import { handlerFor } from "@concert/service-kit";
import type { Tx } from "../app-context.js";

/** Identity's accounts, to name a recipient by email. An account's email never changes. */
export const userHandlers = [
  handlerFor(UserRegistered, async ({ payload }, tx: Tx) => {
    await tx.transferAccount.upsert({
      where: { userId: payload.user_id },
      create: { userId: payload.user_id, email: payload.email.toLowerCase() },
      update: {},
    });
  }),
];
