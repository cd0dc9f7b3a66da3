import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError } from "../config/config-error.js";
import { defaultDevKeysDir, ensureDevKeyPair } from "./dev-key-pair.js";

interface TicketCodeKeyConfig {
  ENV: string;
  DEV_KEYS_DIR?: string | undefined;
  TICKET_CODE_PRIVATE_KEY?: string | undefined;
  TICKET_CODE_PRIVATE_KEY_FILE?: string | undefined;
  TICKET_CODE_PUBLIC_KEY?: string | undefined;
  TICKET_CODE_PUBLIC_KEY_FILE?: string | undefined;
}

const DEV_KEY_NAME = "ticket-code-ed25519";

/** Ticketing's Ed25519 key that signs every ticket's QR text. */
export function loadTicketCodeSigningKey(config: TicketCodeKeyConfig): KeyObject {
  const pem = config.TICKET_CODE_PRIVATE_KEY ?? read(config.TICKET_CODE_PRIVATE_KEY_FILE);
  if (pem) return createPrivateKey(pem);
  return createPrivateKey(devPair(config, "TICKET_CODE_PRIVATE_KEY").privateKeyPem);
}

/** Its public half: gates check a code with it alone, without a database. */
export function loadTicketCodeVerifyKey(config: TicketCodeKeyConfig): KeyObject {
  const pem = config.TICKET_CODE_PUBLIC_KEY ?? read(config.TICKET_CODE_PUBLIC_KEY_FILE);
  if (pem) return createPublicKey(pem);
  return createPublicKey(devPair(config, "TICKET_CODE_PUBLIC_KEY").publicKeyPem);
}

function devPair(config: TicketCodeKeyConfig, variable: string) {
  if (config.ENV === "production") throw new ConfigError([`${variable}: required in production`]);
  return ensureDevKeyPair(config.DEV_KEYS_DIR ?? defaultDevKeysDir(), "Ed25519", DEV_KEY_NAME);
}

function read(path: string | undefined): string | undefined {
  return path ? readFileSync(path, "utf8") : undefined;
}
