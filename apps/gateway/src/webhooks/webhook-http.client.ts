import { Injectable } from '@nestjs/common';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';

import { hostOf, resolveCallbackHost } from './callback-target';

/** What one POST to a callback came to: the receiver's status, or why there was none. */
export type PostOutcome = { status: number } | { error: string };

export interface CallbackPost {
  url: URL;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  allowPrivate: boolean;
}

/** A receiver's answer is read (and dropped) up to this many bytes; a longer one is cut off. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs a callback. The host is resolved and checked here and the socket connects to exactly those
 * addresses (a `lookup` that answers them), so a DNS answer that changes between check and connect
 * (rebinding) cannot slip a private address in. Redirects are not followed: a 3xx is a failed attempt.
 */
@Injectable()
export class WebhookHttpClient {
  async post(post: CallbackPost): Promise<PostOutcome> {
    let addresses: LookupAddress[];
    try {
      addresses = await resolveCallbackHost(hostOf(post.url), post.allowPrivate);
    } catch (error) {
      return { error: (error as Error).message };
    }
    return new Promise<PostOutcome>((resolve) => {
      const send = post.url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(post.url, {
        method: 'POST',
        headers: { ...post.headers, 'content-length': String(Buffer.byteLength(post.body)) },
        lookup: pinned(addresses),
        timeout: post.timeoutMs,
      });
      const timer = setTimeout(
        () => req.destroy(new Error(`no answer within ${post.timeoutMs} ms`)),
        post.timeoutMs,
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${post.timeoutMs} ms`)));
      req.on('error', (error) => {
        clearTimeout(timer);
        resolve({ error: error.message });
      });
      req.on('response', (res) => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0 });
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) res.destroy();
        });
        res.on('error', () => undefined);
      });
      req.end(post.body);
    });
  }
}

/** A lookup that answers the addresses already resolved and checked (both of Node's callback forms). */
function pinned(addresses: LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (error: null, all: LookupAddress[]) => void)(null, addresses);
    } else callback(null, addresses[0].address, addresses[0].family);
  };
}
