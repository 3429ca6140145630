import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import type { Llama } from 'node-llama-cpp';

import { workerConfig } from '@gridllm/config';

/** The node-llama-cpp module's shape (types only: the module itself is ESM and loaded at run time). */
export type NodeLlamaCpp = typeof import('node-llama-cpp');

/**
 * node-llama-cpp is ESM with top-level await, which CommonJS cannot require(); TypeScript would turn a
 * plain `import()` into `require()`, so the real dynamic import is built at run time.
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const importEsm = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<unknown>;

/** Loads node-llama-cpp and its prebuilt binary once per process (each getLlama forks a binary test). */
@Injectable()
export class LlamaRuntime implements OnApplicationShutdown {
  private readonly logger = new Logger(LlamaRuntime.name);
  private module: Promise<NodeLlamaCpp> | null = null;
  private llama: Promise<Llama> | null = null;

  constructor(@Inject(workerConfig.KEY) private readonly settings: ConfigType<typeof workerConfig>) {}

  lib(): Promise<NodeLlamaCpp> {
    this.module ??= importEsm('node-llama-cpp') as Promise<NodeLlamaCpp>;
    return this.module;
  }

  instance(): Promise<Llama> {
    this.llama ??= this.createLlama();
    return this.llama;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.llama) await (await this.llama).dispose();
  }

  private async createLlama(): Promise<Llama> {
    const lib = await this.lib();
    const llama = await lib.getLlama({
      gpu: this.settings.llama.gpu === 'off' ? false : 'auto',
      build: 'never', // never download or compile at run time: the prebuilt binaries ship in npm packages
      logLevel: lib.LlamaLogLevel.warn,
      logger: (level, message) => this.logger.debug(`llama.cpp ${level}: ${message.trim()}`),
    });
    this.logger.log(
      `llama.cpp ready (gpu: ${llama.gpu || 'none'}, threads per context: ${this.settings.llama.threads})`,
    );
    return llama;
  }
}
