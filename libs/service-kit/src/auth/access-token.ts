import { AccessTokenClaims, type Role } from "@concert/contracts";
import jwt from "jsonwebtoken";
import { UnauthorizedError } from "../http/http-errors.js";
import type { AccessRevocations } from "./access-revocations.js";
import type { SigningKey, VerificationKey } from "./token-keys.js";
import { VerifiedTokens } from "./verified-tokens.js";

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

/**
 * Only the configured algorithm is accepted, so `alg: none` and an HS256 token signed with the
 * public key as its secret are both refused. With `revocations`, a token older than its user's
 * latest access change, or of a deactivated user, is refused too, on every call: a token already
 * verified skips only the signature check (VerifiedTokens), never the revocation check.
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
  const verified = new VerifiedTokens<Identity>();
  return (token) => {
    const known = verified.get(token, Date.now());
    if (known !== undefined) {
      if (revocations?.isRevoked(known)) throw new UnauthorizedError("Token has been revoked");
      return known;
    }
    let decoded: unknown;
    try {
      decoded = jwt.verify(token, verification.key, options);
    } catch (error) {
      const expired = error instanceof jwt.TokenExpiredError;
      throw new UnauthorizedError(expired ? "Token has expired" : "Could not validate credentials");
    }
    const claims = AccessTokenClaims.safeParse(decoded);
    if (!claims.success) throw new UnauthorizedError("Could not validate credentials");
    // Frozen: the same object answers every later call with this token.
    const identity: Identity = Object.freeze({
      userId: claims.data.sub,
      email: claims.data.email,
      role: claims.data.role,
      accessVersion: claims.data.av ?? 1,
    });
    verified.set(token, identity, claims.data.exp * 1000);
    if (revocations?.isRevoked(identity)) throw new UnauthorizedError("Token has been revoked");
    return identity;
  };
}
