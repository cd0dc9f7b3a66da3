import type { KeyObject } from "node:crypto";
import { loadTicketCodeSigningKey, loadTicketCodeVerifyKey } from "../auth/ticket-code-keys.js";
import {
  loadSigningKey,
  loadVerificationKey,
  type SigningKey,
  type VerificationKey,
  verificationKeyOf,
} from "../auth/token-keys.js";
import type { ServiceConfig } from "../config/service-config.js";

/** Which keys a service holds. Every service verifies access tokens; only identity signs them. */
export interface KeySpec {
  tokens?: "sign" | "verify";
  /** Ticketing signs QR codes; attendance verifies them. */
  ticketCodes?: "sign" | "verify";
}

export type ServiceKeys<K extends KeySpec> = {
  tokens: VerificationKey;
} & (K["tokens"] extends "sign" ? { tokenSigning: SigningKey } : unknown) &
  (K["ticketCodes"] extends "sign" ? { ticketCodeSigning: KeyObject } : unknown) &
  (K["ticketCodes"] extends "verify" ? { ticketCodeVerify: KeyObject } : unknown);

/**
 * Every key a service needs, in one order for all of them (access tokens, then ticket codes), and
 * before any connection opens: a missing production key stops the start at once.
 */
export function loadServiceKeys<K extends KeySpec>(spec: K, config: ServiceConfig): ServiceKeys<K> {
  const keys: Record<string, unknown> = {};
  if (spec.tokens === "sign") {
    const signing = loadSigningKey(config);
    keys.tokenSigning = signing;
    keys.tokens = verificationKeyOf(signing);
  } else {
    keys.tokens = loadVerificationKey(config);
  }
  if (spec.ticketCodes === "sign") keys.ticketCodeSigning = loadTicketCodeSigningKey(config);
  if (spec.ticketCodes === "verify") keys.ticketCodeVerify = loadTicketCodeVerifyKey(config);
  return keys as ServiceKeys<K>;
}
