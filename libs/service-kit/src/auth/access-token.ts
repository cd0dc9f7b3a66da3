import { AccessTokenClaims, type Role } from "@concert/contracts";
import jwt from "jsonwebtoken";
import { UnauthorizedError } from "../http/http-errors.js";
import type { AccessRevocations } from "./access-revocations.js";
import type { SigningKey, VerificationKey } from "./token-keys.js";

/** Who made a request, as proven by a verified access token. */
export interface Identity {
  userId: string;
  email: string;
  role: Role;
  /** The user's access version when the token was minted (claim `av`; 1 when absent). */
  accessVersion: number;
}

const ISSUER = "concert-identity";
const AUDIENCE = "concert-api";

export function signAccessToken(
  signing: SigningKey,
  identity: Identity,
  expiresInSeconds: number,
): string {
  return jwt.sign(
    { email: identity.email, role: identity.role, av: identity.accessVersion },
    signing.key,
    {
      algorithm: signing.algorithm,
      subject: identity.userId,
      expiresIn: expiresInSeconds,
      issuer: ISSUER,
      audience: AUDIENCE,
    },
  );
}

export type TokenVerifier = (token: string) => Identity;

/** A token that verified once, with when it stops being valid (its `exp`, in ms). */
interface VerifiedToken {
  identity: Identity;
  expiresAtMs: number;
}

/**
 * Verified tokens remembered per verifier: a scanner sends the same token with every scan, and
 * the signature check, the decode and the claims' parse were about 5% of a gate scan's CPU. The
 * bound keeps memory flat whatever the traffic (at most this many tokens of at most
 * MAX_CACHED_TOKEN_LENGTH characters: a few MB); only tokens that verified get in.
 */
const MAX_CACHED_TOKENS = 10_000;
/** Ours are about 600 characters; a longer one is verified every time rather than kept. */
const MAX_CACHED_TOKEN_LENGTH = 2_048;

/**
 * Only the configured algorithm is accepted, so `alg: none` and an HS256 token signed with the
 * public key as its secret are both refused. With `revocations`, a token older than its user's
 * latest access change, or of a deactivated user, is refused too: that check runs on every
 * call, also for a token verified before, so a revocation takes effect at once.
 */
export function createTokenVerifier(
  verification: VerificationKey,
  revocations?: AccessRevocations,
): TokenVerifier {
  const options = {
    algorithms: [verification.algorithm],
    issuer: ISSUER,
    audience: AUDIENCE,
  } satisfies jwt.VerifyOptions;
  const verified = new Map<string, VerifiedToken>();

  const verifySignature = (token: string): VerifiedToken => {
    let decoded: unknown;
    try {
      decoded = jwt.verify(token, verification.key, options);
    } catch (error) {
      const expired = error instanceof jwt.TokenExpiredError;
      throw new UnauthorizedError(expired ? "Token has expired" : "Could not validate credentials");
    }
    const claims = AccessTokenClaims.safeParse(decoded);
    if (!claims.success) throw new UnauthorizedError("Could not validate credentials");
    const identity: Identity = Object.freeze({
      userId: claims.data.sub,
      email: claims.data.email,
      role: claims.data.role,
      accessVersion: claims.data.av ?? 1,
    });
    return { identity, expiresAtMs: claims.data.exp * 1_000 };
  };

  return (token) => {
    let known = verified.get(token);
    // jsonwebtoken's own rule: expired from the second `exp` names on.
    if (known && Date.now() >= known.expiresAtMs) {
      verified.delete(token);
      throw new UnauthorizedError("Token has expired");
    }
    if (!known) {
      known = verifySignature(token);
      if (token.length <= MAX_CACHED_TOKEN_LENGTH) {
        // The oldest entry goes first: Map iterates in insertion order.
        if (verified.size >= MAX_CACHED_TOKENS) verified.delete(verified.keys().next().value ?? "");
        verified.set(token, known);
      }
    }
    if (revocations?.isRevoked(known.identity))
      throw new UnauthorizedError("Token has been revoked");
    return known.identity;
  };
}
