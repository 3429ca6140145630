import { CanActivate, ExecutionContext, Inject, Injectable, Logger, Type } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { AuthGuard, IAuthGuard } from '@nestjs/passport';
import type { Request } from 'express';

import { securityConfig } from '@gridllm/config';
import { ForbiddenError, Principal, Scope, UnauthorizedError } from '@gridllm/contracts';

import { authorize, isPublicPath } from './access-rules';
import { ApiKeyVerifier } from './api-key-verifier';
import { REQUIRED_SCOPE } from './auth.decorators';
import { MISSING_CREDENTIALS, looksLikeJwt, presentedCredential } from './credentials';
import { JWT_STRATEGY, jwtConfigured } from './jwt.strategy';

/**
 * The gateway's one door: with auth on, every route but the public paths needs an API key (ApiKeyVerifier)
 * or a JWT (passport's JWT strategy), the scope the route declares, and, for a principal with
 * a model allowlist, every model the body names. With auth off it lets everything through.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger(AccessGuard.name);
  private readonly jwtGuard: IAuthGuard | null;

  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyVerifier,
    @Inject(securityConfig.KEY) private readonly security: ConfigType<typeof securityConfig>,
  ) {
    this.jwtGuard = jwtConfigured(security.jwt) ? new (jwtPassportGuard())() : null;
  }

  // Not async: with auth off or on a public path, a plain `true` spares Nest an await on every request.
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (!this.security.authEnabled || context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request>();
    // Probes, docs and /metrics (its own token) are open by path: the rule the issue states, in one place.
    if (isPublicPath(req.path)) return true;
    return this.authenticate(context, req);
  }

  private async authenticate(context: ExecutionContext, req: Request): Promise<boolean> {
    const credential = presentedCredential(req);
    if (!credential) {
      throw new UnauthorizedError(MISSING_CREDENTIALS);
    }
    if (this.jwtGuard && looksLikeJwt(credential)) await this.jwtGuard.canActivate(context);
    else req.user = await this.apiKeys.verify(credential);
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(REQUIRED_SCOPE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!scope) {
      // Deny by default: a route someone forgot to classify must not be open.
      this.logger.error(`${req.method} ${req.route?.path ?? req.path} declares no scope; denied`);
      throw new ForbiddenError('this endpoint has no access rule');
    }
    authorize(req.user as Principal, scope, req.body);
    return true;
  }
}

/** Passport's JWT guard, whose failures become our 401 with a message that helps. */
function jwtPassportGuard(): Type<IAuthGuard> {
  return class extends AuthGuard(JWT_STRATEGY) {
    override handleRequest<TUser>(error: unknown, user: unknown, info: unknown): TUser {
      if (user && !error) return user as TUser;
      if (error instanceof UnauthorizedError) throw error;
      const reason = (info as Error | undefined)?.message ?? (error as Error | undefined)?.message;
      throw new UnauthorizedError(reason ? `invalid token: ${reason}` : 'invalid token');
    }
  };
}
