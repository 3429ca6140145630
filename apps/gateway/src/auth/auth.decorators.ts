import { SetMetadata } from '@nestjs/common';

import { Scope } from '@gridllm/contracts';

export const REQUIRED_SCOPE = 'gridllm:required-scope';
export const PUBLIC_ROUTE = 'gridllm:public-route';

/** The scope a route needs when auth is on (`admin` holds every scope). Put it on every controller. */
export const RequireScope = (scope: Scope) => SetMetadata(REQUIRED_SCOPE, scope);

/** A route anyone may call, also with auth on (health probes, docs; /metrics checks its own token). */
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);
