import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError } from "../config/config-error.js";
import { defaultDevKeysDir, ensureDevKeyPair } from "./dev-key-pair.js";

export type TokenAlgorithm = "RS256" | "ES256" | "HS256";

interface KeyConfig {
  ENV: string;
  ALGORITHM: TokenAlgorithm;
  SECRET_KEY?: string | undefined;
  JWT_PUBLIC_KEY?: string | undefined;
  JWT_PUBLIC_KEY_FILE?: string | undefined;
  DEV_KEYS_DIR?: string | undefined;
}

export interface SigningKeyConfig extends KeyConfig {
  JWT_PRIVATE_KEY?: string | undefined;
  JWT_PRIVATE_KEY_FILE?: string | undefined;
}

/**
 * Key objects are built once here: jsonwebtoken re-parses a PEM string on every call, which
 * costs five times the verification itself.
 */
export interface VerificationKey {
  algorithm: TokenAlgorithm;
  key: KeyObject;
}

export interface SigningKey extends VerificationKey {
  /** The public half, published as a JWKS for other verifiers; absent with HS256. */
  publicKey?: KeyObject;
}

export function loadVerificationKey(config: KeyConfig): VerificationKey {
  if (config.ALGORITHM === "HS256") return { algorithm: "HS256", key: secretKey(config) };
  const pem =
    config.JWT_PUBLIC_KEY ??
    readOptional(config.JWT_PUBLIC_KEY_FILE) ??
    devPair(config, config.ALGORITHM).publicKeyPem;
  return { algorithm: config.ALGORITHM, key: createPublicKey(pem) };
}

export function loadSigningKey(config: SigningKeyConfig): SigningKey {
  if (config.ALGORITHM === "HS256") return { algorithm: "HS256", key: secretKey(config) };
  const configured = config.JWT_PRIVATE_KEY ?? readOptional(config.JWT_PRIVATE_KEY_FILE);
  if (!configured && config.ENV === "production") {
    throw new ConfigError(["JWT_PRIVATE_KEY: required in production"]);
  }
  const pem = configured ?? devPair(config, config.ALGORITHM).privateKeyPem;
  const key = createPrivateKey(pem);
  return { algorithm: config.ALGORITHM, key, publicKey: createPublicKey(key) };
}

function secretKey(config: KeyConfig): KeyObject {
  if (!config.SECRET_KEY) throw new ConfigError(["SECRET_KEY: required when ALGORITHM=HS256"]);
  return createSecretKey(Buffer.from(config.SECRET_KEY, "utf8"));
}

function devPair(config: KeyConfig, algorithm: "RS256" | "ES256") {
  if (config.ENV === "production") {
    throw new ConfigError(["JWT_PUBLIC_KEY: required in production"]);
  }
  return ensureDevKeyPair(config.DEV_KEYS_DIR ?? defaultDevKeysDir(), algorithm);
}

function readOptional(path: string | undefined): string | undefined {
  return path ? readFileSync(path, "utf8") : undefined;
}

/** What verifies the tokens a signing key mints: its public half (the secret itself with HS256). */
export function verificationKeyOf(signing: SigningKey): VerificationKey {
  return { algorithm: signing.algorithm, key: signing.publicKey ?? signing.key };
}
