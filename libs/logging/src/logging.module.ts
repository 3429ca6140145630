import { DynamicModule, Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { WinstonModule, WinstonModuleOptions } from 'nest-winston';
import { transports } from 'winston';

import { appConfig, workerConfig } from '@gridllm/config';

import { LOG_LEVELS, LogFormat, logFormat, winstonLevel } from './log-format';

export type LoggedApp = 'gateway' | 'worker';

/** Winston options for one app: level and format from config, the app (and worker id) on every line. */
export function loggerOptions(
  level: string,
  kind: LogFormat,
  meta: Record<string, string>,
): WinstonModuleOptions {
  return {
    levels: LOG_LEVELS,
    level: winstonLevel(level),
    defaultMeta: meta,
    format: logFormat(kind, winstonLevel(level)),
    transports: [new transports.Console()],
  };
}

/**
 * nest-winston configured from LOG_LEVEL / LOG_FORMAT. The app's main.ts hands its
 * WINSTON_MODULE_NEST_PROVIDER to `app.useLogger`, so every `new Logger(X.name)` goes through it.
 */
@Module({})
export class LoggingModule {
  static forRoot(app: LoggedApp): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        WinstonModule.forRootAsync({
          inject: [appConfig.KEY, workerConfig.KEY],
          useFactory: (settings: ConfigType<typeof appConfig>, worker: ConfigType<typeof workerConfig>) => {
            const meta: Record<string, string> =
              app === 'worker' ? { service: app, workerId: worker.workerId } : { service: app };
            return loggerOptions(settings.logLevel, settings.logFormat, meta);
          },
        }),
      ],
    };
  }
}
