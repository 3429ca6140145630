import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';

import {
  appConfig,
  gatewayConfig,
  observabilityConfig,
  queueConfig,
  redisConfig,
  securityConfig,
  webhookConfig,
  workerConfig,
} from './config.namespaces';
import { parseGridConfig } from './grid-config';

/** Files under config/ give per-environment defaults; real environment variables and .env win over them. */
export function envFiles(nodeEnv = process.env.NODE_ENV ?? 'development'): string[] {
  return ['.env', `config/${nodeEnv}.env`];
}

/** Loads and validates configuration once at boot; a bad value stops the process naming the variable. */
@Module({})
export class GridConfigModule {
  static forRoot(): DynamicModule {
    return {
      module: GridConfigModule,
      global: true,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          cache: true,
          envFilePath: envFiles(),
          load: [
            appConfig,
            redisConfig,
            queueConfig,
            gatewayConfig,
            workerConfig,
            observabilityConfig,
            securityConfig,
            webhookConfig,
          ],
          validate: (merged: Record<string, unknown>) => {
            parseGridConfig(merged as Record<string, string | undefined>);
            return merged;
          },
        }),
      ],
      exports: [ConfigModule],
    };
  }
}
