import type { Logger } from "@concert/service-kit";
import type { IdentityConfig } from "../config.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import { normalizeEmail, registerUser } from "./register-user.js";

/**
 * The first admin comes from ADMIN_EMAIL/ADMIN_PASSWORD/ADMIN_USERNAME. An existing account with
 * that email is left as it is, so restarting never resets a password an admin has since changed.
 */
export async function bootstrapAdmin(
  prisma: PrismaClient,
  config: IdentityConfig,
  logger: Logger,
): Promise<void> {
  if (!config.ADMIN_EMAIL || !config.ADMIN_PASSWORD) return;
  const email = normalizeEmail(config.ADMIN_EMAIL);
  if (await prisma.user.findUnique({ where: { email } })) return;
  try {
    await registerUser(
      prisma,
      {
        username: config.ADMIN_USERNAME,
        email,
        password: config.ADMIN_PASSWORD,
        fullName: config.ADMIN_FULL_NAME,
        role: "admin",
      },
      config.BCRYPT_ROUNDS,
    );
    logger.info(
      { email, username: config.ADMIN_USERNAME },
      "created the first admin from ADMIN_EMAIL",
    );
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 409) throw error;
    // Another replica starting at the same moment created it first; or the username is someone else's.
    if (await prisma.user.findUnique({ where: { email } })) return;
    throw new Error(
      `ADMIN_USERNAME "${config.ADMIN_USERNAME}" belongs to another account; choose another one`,
    );
  }
}
