import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import { passportJwtSecret } from 'jwks-rsa';
import { decode } from 'jsonwebtoken';
import { ExtractJwt, SecretOrKeyProvider, Strategy } from 'passport-jwt';

import { securityConfig } from '@gridllm/config';
import { JwtSettings } from '@gridllm/config';
import { Principal } from '@gridllm/contracts';

import { principalOfClaims } from './jwt-claims';

export const JWT_STRATEGY = 'jwt';

/** Whether any JWT verifier is configured (the strategy is registered only then). */
export function jwtConfigured(jwt: JwtSettings): boolean {
  return Boolean(jwt.secret || jwt.publicKey || jwt.jwksUrl);
}

/**
 * JWTs: HS256 with JWT_SECRET, RS256 with JWT_PUBLIC_KEY or the identity provider's JWKS. The key is
 * chosen by the token's `alg` and only among configured verifiers, so an RS256 public key can never
 * be used as an HS256 secret (algorithm confusion).
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(@Inject(securityConfig.KEY) security: ConfigType<typeof securityConfig>) {
    const { jwt } = security;
    super({
      jwtFromRequest: ExtractJwt.fromExtractors([
        ExtractJwt.fromAuthHeaderAsBearerToken(),
        ExtractJwt.fromHeader('x-api-key'),
      ]),
      secretOrKeyProvider: keyProvider(jwt),
      algorithms: [
        ...(jwt.secret ? ['HS256' as const] : []),
        ...(jwt.publicKey || jwt.jwksUrl ? ['RS256' as const] : []),
      ],
      issuer: jwt.issuer,
      audience: jwt.audience,
      ignoreExpiration: false,
    });
  }

  validate(claims: Record<string, unknown>): Principal | false {
    return principalOfClaims(claims) ?? false;
  }
}

function keyProvider(jwt: JwtSettings): SecretOrKeyProvider {
  const jwks = jwt.jwksUrl
    ? passportJwtSecret({ jwksUri: jwt.jwksUrl, cache: true, rateLimit: true, jwksRequestsPerMinute: 10 })
    : null;
  return (request, rawJwtToken, done) => {
    const header = decode(String(rawJwtToken), { complete: true })?.header;
    if (header?.alg === 'HS256' && jwt.secret) return done(null, jwt.secret);
    if (header?.alg === 'RS256' && jwt.publicKey) return done(null, jwt.publicKey);
    if (header?.alg === 'RS256' && jwks) return jwks(request, rawJwtToken, done);
    return done(new Error(`tokens signed with ${header?.alg ?? 'an unknown algorithm'} are not accepted`));
  };
}
