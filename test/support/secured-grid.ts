import { RedisServer, RedisServerOptions } from './redis-server';
import { TestGrid } from './test-grid';

/**
 * A TestGrid whose Redis requires a password and/or TLS. `connectEnv` is how every app reaches it unless a
 * test passes other credentials to startGateway / startWorker.
 */
export class SecuredGrid extends TestGrid {
  override readonly redis: RedisServer;

  constructor(
    options: RedisServerOptions,
    private readonly connectEnv: Record<string, string> = {},
  ) {
    super();
    this.redis = new RedisServer(options);
  }

  override redisEnv(): Record<string, string> {
    return { ...super.redisEnv(), ...this.connectEnv };
  }
}
