import { Injectable, Logger } from '@nestjs/common';
import type { ChatWrapper } from 'node-llama-cpp';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

import { LoadedModel } from './model-pool';
import { NodeLlamaCpp } from './llama-runtime';

/**
 * Runs in a worker thread: which of node-llama-cpp's chat wrapper types fits the GGUF file (answers a
 * key of `chatWrappers`, or null). Only file metadata is needed for that, no loaded model.
 */
const PICK_TYPE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.module)
  .then(async (lib) => {
    const fileInfo = await lib.readGgufFileInfo(workerData.path, { logWarnings: false });
    const wrapper = lib.resolveChatWrapper({ fileInfo, filename: workerData.path, warningLogs: false });
    const match = Object.entries(lib.chatWrappers).find(([, Wrapper]) => wrapper?.constructor === Wrapper);
    parentPort.postMessage(match ? match[0] : null);
  })
  .catch(() => parentPort.postMessage(null));
`;

/**
 * Picks a model's chat wrapper without stalling the worker. node-llama-cpp's automatic choice renders
 * the model's Jinja template against every known format, synchronously: measured 2.7 s on an idle
 * machine and 6 s under load for the 600 KB demo model, longer than a job's lock. The choice runs in a
 * worker thread from the file's metadata; the main thread then builds that wrapper type (~25 ms).
 */
@Injectable()
export class ChatWrapperResolver {
  private readonly logger = new Logger(ChatWrapperResolver.name);

  async resolve(lib: NodeLlamaCpp, loaded: LoadedModel): Promise<ChatWrapper> {
    const { model, entry } = loaded;
    const type = await this.pickType(entry.path);
    if (type === null || !(type in lib.chatWrappers)) {
      this.logger.warn(`${loaded.name}: no chat format found off-thread; choosing on the main thread`);
      return lib.resolveChatWrapper(model);
    }
    const wrapper = lib.resolveChatWrapper({
      type: type as keyof typeof lib.chatWrappers,
      bosString: model.tokens.bosString,
      filename: model.filename,
      fileInfo: model.fileInfo,
      tokenizer: model.tokenizer,
    });
    return wrapper ?? lib.resolveChatWrapper(model);
  }

  private pickType(path: string): Promise<string | null> {
    const module = pathToFileURL(require.resolve('node-llama-cpp')).href;
    return new Promise((resolve) => {
      const thread = new Worker(PICK_TYPE, { eval: true, workerData: { module, path } });
      thread.once('message', (type: string | null) => {
        resolve(type);
        void thread.terminate();
      });
      thread.once('error', () => resolve(null));
      thread.once('exit', () => resolve(null));
    });
  }
}
