import { randomUUID } from "node:crypto";
import { type Role, UserRegistered } from "@concert/contracts";
import { ConflictError, recordEvent } from "@concert/service-kit";
import type { Tx } from "../app-context.js";
import type { PrismaClient, User } from "../generated/prisma/client.js";
import { hashPassword } from "./passwords.js";
import { freeUsernameFor } from "./usernames.js";

export interface NewUser {
  /** Derived from the email when absent (clients written before usernames existed). */
  username?: string | undefined;
  email: string;
  password: string;
  fullName?: string | null | undefined;
  role: Role;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

// A derived username can be taken by a registration racing this one: derive again, a few times.
const DERIVATION_ATTEMPTS = 10;

/**
 * Creates the user and its UserRegistered event in one transaction. A taken email or username
 * (either regardless of case) is a 409 saying which.
 */
export async function registerUser(
  prisma: PrismaClient,
  input: NewUser,
  bcryptRounds: number,
): Promise<User> {
  const email = normalizeEmail(input.email);
  const passwordHash = await hashPassword(input.password, bcryptRounds);
  for (let attempt = 1; ; attempt++) {
    const user = await prisma.$transaction(async (tx) => {
      const username = input.username ?? (await freeUsernameFor(tx, email));
      const inserted = await tx.user.createManyAndReturn({
        data: {
          id: randomUUID(),
          username,
          email,
          fullName: input.fullName ?? null,
          passwordHash,
          role: input.role,
        },
        // Any unique index: the email's, or lower(username)'s, which Prisma cannot name.
        skipDuplicates: true,
      });
      const created = inserted[0];
      if (!created) return refuseDuplicate(tx, email, input.username !== undefined);
      await recordEvent(tx, UserRegistered, {
        user_id: created.id,
        email: created.email,
        username: created.username,
        full_name: created.fullName ?? created.username,
        role: created.role,
      });
      return created;
    });
    if (user || attempt >= DERIVATION_ATTEMPTS) {
      if (!user) throw new ConflictError("Username already registered");
      return user;
    }
  }
}

/** Says which of email and username is taken; null when only a derived username raced. */
async function refuseDuplicate(tx: Tx, email: string, usernameGiven: boolean): Promise<null> {
  if (await tx.user.findUnique({ where: { email }, select: { id: true } })) {
    throw new ConflictError("Email already registered");
  }
  if (usernameGiven) throw new ConflictError("Username already registered");
  return null;
}
