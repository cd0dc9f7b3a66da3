export {
  type AccessRevocations,
  AccessRevocationWatcher,
  type AccessRevocationWatcherOptions,
} from "./access-revocations.js";
export {
  createTokenVerifier,
  type Identity,
  signAccessToken,
  type TokenVerifier,
} from "./access-token.js";
export { bearerToken } from "./bearer-token.js";
export { defaultDevKeysDir, ensureDevKeyPair } from "./dev-key-pair.js";
export { createGuards, type Guards, identityOf } from "./guards.js";
export { loadTicketCodeSigningKey, loadTicketCodeVerifyKey } from "./ticket-code-keys.js";
export {
  loadSigningKey,
  loadVerificationKey,
  type SigningKey,
  type SigningKeyConfig,
  type TokenAlgorithm,
  type VerificationKey,
  verificationKeyOf,
} from "./token-keys.js";
