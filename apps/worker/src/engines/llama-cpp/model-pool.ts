import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import type {
  ChatWrapper,
  LlamaContext,
  LlamaContextSequence,
  LlamaEmbeddingContext,
  LlamaModel,
} from 'node-llama-cpp';

import { workerConfig } from '@gridllm/config';
import { ModelNotFoundError } from '@gridllm/contracts';

import { CatalogEntry, GgufCatalog } from './gguf-catalog';
import { LlamaRuntime } from './llama-runtime';
import { SequenceShelf } from './sequence-shelf';

/** A model held in memory: its weights, one context with a sequence per worker slot, its expiry. */
export interface LoadedModel {
  name: string;
  entry: CatalogEntry;
  model: LlamaModel;
  context: LlamaContext;
  embedding: Promise<LlamaEmbeddingContext> | null;
  /** The chat wrapper for the model's template, resolved once (resolving renders test chats: ~0.5 s). */
  chatWrapper: ChatWrapper | null;
  /** Idle slot sequences, each keeping its KV cache for the next request with the same prefix. */
  shelf: SequenceShelf;
  leases: number;
  lastUsedAt: number;
  /** Epoch ms when it unloads once idle; Infinity = never. */
  expiresAt: number;
  timer: NodeJS.Timeout | null;
}

/** One request's hold on a loaded model; release it when the request ends. */
export interface ModelLease {
  loaded: LoadedModel;
  sequence: LlamaContextSequence | null;
  /** Time spent loading for this request (0 when it was warm), in ms. */
  loadMs: number;
  /** The prompt key of what the sequence holds when released (the generation updates it). */
  key: string;
}

/**
 * Loads models the way Ollama does: on first use, kept `keep_alive` after the last request (0 unloads
 * at once, negative keeps forever), and least-recently-used idle models evicted when the memory budget
 * would be exceeded. Each context has one sequence per worker slot, so slots run as parallel sequences.
 */
@Injectable()
export class ModelPool implements OnApplicationShutdown {
  private readonly logger = new Logger(ModelPool.name);
  private readonly loaded = new Map<string, LoadedModel>();
  private readonly loading = new Map<string, Promise<LoadedModel>>();

  constructor(
    private readonly runtime: LlamaRuntime,
    private readonly catalog: GgufCatalog,
    @Inject(workerConfig.KEY) private readonly settings: ConfigType<typeof workerConfig>,
  ) {}

  /** Loaded models, for /api/ps. */
  list(): LoadedModel[] {
    return [...this.loaded.values()];
  }

  /**
   * Holds the model (loading it if needed) with a sequence of its own when `withSequence`. A different
   * `num_ctx` reloads an idle model with that context size, as Ollama does; a busy one keeps its size.
   * The sequence is the idle one whose cache shares the longest prefix with `key` (see SequenceShelf).
   */
  async acquire(name: string, withSequence = true, contextSize?: number, key = ''): Promise<ModelLease> {
    const started = Date.now();
    const current = this.loaded.get(name);
    if (
      current &&
      contextSize &&
      current.leases === 0 &&
      current.context.contextSize !== this.fit(current.entry, contextSize)
    ) {
      await this.unload(name);
    }
    const wasLoaded = this.loaded.has(name);
    const loaded = await this.load(name, contextSize);
    loaded.leases += 1;
    loaded.lastUsedAt = Date.now();
    this.cancelExpiry(loaded);
    const sequence = withSequence ? this.sequenceFor(loaded, key) : null;
    return { loaded, sequence, loadMs: wasLoaded ? 0 : Date.now() - started, key };
  }

  /** Ends a hold; the model then stays loaded for `keepAliveMs` (0: unloaded now, Infinity: forever). */
  async release(lease: ModelLease, keepAliveMs: number): Promise<void> {
    const { loaded } = lease;
    // Kept, not disposed: its cache serves the next request that shares its prefix.
    if (lease.sequence) loaded.shelf.put(lease.sequence, lease.key);
    loaded.leases -= 1;
    loaded.lastUsedAt = Date.now();
    this.scheduleExpiry(loaded, keepAliveMs);
    if (keepAliveMs === 0 && loaded.leases === 0) await this.unload(loaded.name);
  }

  /** Loads without running anything (Ollama's load request) and sets the expiry. */
  async preload(name: string, keepAliveMs: number): Promise<void> {
    await this.release(await this.acquire(name, false), keepAliveMs);
  }

  async unload(name: string): Promise<void> {
    const loaded = this.loaded.get(name);
    if (!loaded || loaded.leases > 0) return;
    this.loaded.delete(name);
    this.cancelExpiry(loaded);
    loaded.shelf.clear();
    // Dispose only idle models: disposing under a running generation crashes node-llama-cpp.
    if (loaded.embedding) await (await loaded.embedding).dispose();
    await loaded.context.dispose();
    await loaded.model.dispose();
    this.logger.log(`unloaded ${name}`);
  }

  /** The model's embedding context, created on first use. */
  embeddingContext(loaded: LoadedModel): Promise<LlamaEmbeddingContext> {
    loaded.embedding ??= loaded.model.createEmbeddingContext({
      contextSize: Math.min(loaded.context.contextSize, loaded.entry.metadata.contextLength ?? Infinity),
      threads: this.settings.llama.threads,
    });
    return loaded.embedding;
  }

  async onApplicationShutdown(): Promise<void> {
    for (const loaded of this.loaded.values()) loaded.leases = 0;
    for (const name of [...this.loaded.keys()]) await this.unload(name);
  }

  private async load(name: string, contextSize?: number): Promise<LoadedModel> {
    const ready = this.loaded.get(name);
    if (ready) return ready;
    let pending = this.loading.get(name);
    if (!pending) {
      pending = this.loadFresh(name, contextSize).finally(() => this.loading.delete(name));
      this.loading.set(name, pending);
    }
    return pending;
  }

  private async loadFresh(name: string, requestedContext?: number): Promise<LoadedModel> {
    const entry = this.catalog.find(name) ?? (await this.catalog.scan(), this.catalog.find(name));
    if (!entry) throw new ModelNotFoundError(name);
    await this.makeRoom(entry.size);
    const llama = await this.runtime.instance();
    const model = await llama.loadModel({ modelPath: entry.path });
    const contextSize = this.fit(entry, requestedContext ?? this.settings.llama.defaultContextSize);
    const context = await model.createContext({
      contextSize,
      sequences: this.settings.slots,
      threads: this.settings.llama.threads,
    });
    const loaded: LoadedModel = {
      name,
      entry,
      model,
      context,
      embedding: null,
      chatWrapper: null,
      shelf: new SequenceShelf(),
      leases: 0,
      lastUsedAt: Date.now(),
      expiresAt: Infinity,
      timer: null,
    };
    this.loaded.set(name, loaded);
    this.logger.log(
      `loaded ${name} (${entry.size} bytes, context ${contextSize} × ${this.settings.slots} sequences)`,
    );
    return loaded;
  }

  private sequenceFor(loaded: LoadedModel, key: string): LlamaContextSequence {
    const fresh = loaded.context.sequencesLeft > 0;
    return loaded.shelf.take(key, fresh) ?? loaded.context.getSequence();
  }

  /** A context size the model supports: at most its trained context length, at least 128 tokens. */
  private fit(entry: CatalogEntry, contextSize: number): number {
    return Math.max(128, Math.min(Math.floor(contextSize), entry.metadata.contextLength ?? Infinity));
  }

  /** Evicts idle models, least recently used first, until `bytes` more fit the budget. */
  private async makeRoom(bytes: number): Promise<void> {
    const budget = this.settings.llama.memoryBudgetBytes;
    const idle = this.list()
      .filter((m) => m.leases === 0)
      .sort((a, b) => a.lastUsedAt - b.lastUsedAt);
    let used = this.list().reduce((sum, m) => sum + m.entry.size, 0);
    for (const victim of idle) {
      if (used + bytes <= budget) break;
      used -= victim.entry.size;
      await this.unload(victim.name);
    }
    if (used + bytes > budget)
      this.logger.warn(`loading beyond LLAMA_MEMORY_BUDGET: busy models cannot be evicted`);
  }

  private scheduleExpiry(loaded: LoadedModel, keepAliveMs: number): void {
    this.cancelExpiry(loaded);
    loaded.expiresAt = Date.now() + keepAliveMs;
    if (loaded.leases > 0 || !Number.isFinite(keepAliveMs) || keepAliveMs === 0) return;
    loaded.timer = setTimeout(() => void this.unload(loaded.name), keepAliveMs);
    loaded.timer.unref();
  }

  private cancelExpiry(loaded: LoadedModel): void {
    if (loaded.timer) clearTimeout(loaded.timer);
    loaded.timer = null;
  }
}
