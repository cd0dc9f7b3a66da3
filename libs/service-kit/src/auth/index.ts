export { signAccessToken, createTokenVerifier, type Identity, type TokenVerifier } from "./access-token.js";
export { bearerToken } from "./bearer-token.js";
export { createGuards, identityOf, type Guards } from "./guards.js";
export {
  loadSigningKey,
  loadVerificationKey,
  type SigningKey,
  type SigningKeyConfig,
  type TokenAlgorithm,
  type VerificationKey,
} from "./token-keys.js";
export { ensureDevKeyPair, defaultDevKeysDir } from "./dev-key-pair.js";
