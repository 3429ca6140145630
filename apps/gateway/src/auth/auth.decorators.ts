import { SetMetadata } from '@nestjs/common';

import { Scope } from '@gridllm/contracts';

export const REQUIRED_SCOPE = 'gridllm:required-scope';

/** The scope a route needs when auth is on (`admin` holds every scope). Put it on every controller. */
export const RequireScope = (scope: Scope) => SetMetadata(REQUIRED_SCOPE, scope);
