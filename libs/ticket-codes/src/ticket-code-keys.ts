import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError, defaultDevKeysDir, ensureDevKeyPair } from "@concert/service-kit";
import { z } from "zod";

/** Environment variables for ticket-code keys; ticketing signs, attendance only verifies. */
export const ticketCodeKeyConfig = {
  TICKET_CODE_PRIVATE_KEY: z.string().optional(),
  TICKET_CODE_PRIVATE_KEY_FILE: z.string().optional(),
  TICKET_CODE_PUBLIC_KEY: z.string().optional(),
  TICKET_CODE_PUBLIC_KEY_FILE: z.string().optional(),
};

interface KeyEnv {
  ENV: string;
  DEV_KEYS_DIR?: string | undefined;
  TICKET_CODE_PRIVATE_KEY?: string | undefined;
  TICKET_CODE_PRIVATE_KEY_FILE?: string | undefined;
  TICKET_CODE_PUBLIC_KEY?: string | undefined;
  TICKET_CODE_PUBLIC_KEY_FILE?: string | undefined;
}

const DEV_KEY_NAME = "ticket-code-ed25519";

export function loadTicketCodeSigningKey(env: KeyEnv): KeyObject {
  const pem = env.TICKET_CODE_PRIVATE_KEY ?? read(env.TICKET_CODE_PRIVATE_KEY_FILE);
  if (pem) return createPrivateKey(pem);
  return createPrivateKey(devPair(env, "TICKET_CODE_PRIVATE_KEY").privateKeyPem);
}

export function loadTicketCodeVerifyKey(env: KeyEnv): KeyObject {
  const pem = env.TICKET_CODE_PUBLIC_KEY ?? read(env.TICKET_CODE_PUBLIC_KEY_FILE);
  if (pem) return createPublicKey(pem);
  return createPublicKey(devPair(env, "TICKET_CODE_PUBLIC_KEY").publicKeyPem);
}

function devPair(env: KeyEnv, variable: string) {
  if (env.ENV === "production") throw new ConfigError([`${variable}: required in production`]);
  return ensureDevKeyPair(env.DEV_KEYS_DIR ?? defaultDevKeysDir(), "Ed25519", DEV_KEY_NAME);
}

function read(path: string | undefined): string | undefined {
  return path ? readFileSync(path, "utf8") : undefined;
}
