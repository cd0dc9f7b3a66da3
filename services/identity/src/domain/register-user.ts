import { randomUUID } from "node:crypto";
import { type Role, UserRegistered } from "@concert/contracts";
import { ConflictError, recordEvent } from "@concert/service-kit";
import type { PrismaClient, User } from "../generated/prisma/client.js";
import { hashPassword } from "./passwords.js";

export interface NewUser {
  email: string;
  password: string;
  fullName: string;
  role: Role;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Creates the user and its UserRegistered event in one transaction; a taken email is a 409. */
export async function registerUser(
  prisma: PrismaClient,
  input: NewUser,
  bcryptRounds: number,
): Promise<User> {
  const email = normalizeEmail(input.email);
  const passwordHash = await hashPassword(input.password, bcryptRounds);
  return prisma.$transaction(async (tx) => {
    const inserted = await tx.user.createManyAndReturn({
      data: { id: randomUUID(), email, fullName: input.fullName, passwordHash, role: input.role },
      skipDuplicates: true,
    });
    const user = inserted[0];
    if (!user) throw new ConflictError("Email already registered");
    await recordEvent(tx, UserRegistered, {
      user_id: user.id,
      email: user.email,
      full_name: user.fullName,
      role: user.role,
    });
    return user;
  });
}
