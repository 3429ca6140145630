import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

import { InvalidRequestError, quote } from '@gridllm/contracts';

import { refusedAddress } from './address-policy';

/** Longest callback URL accepted (a URL is not a payload). */
export const MAX_CALLBACK_URL_LENGTH = 2048;

/** A callback the gateway refuses to call (bad URL, or a target the SSRF guard forbids). */
export class CallbackRefusedError extends InvalidRequestError {}

/** The URL as a callback: http(s), no credentials in it, bounded; throws CallbackRefusedError otherwise. */
export function parseCallbackUrl(value: unknown, field = 'callback_url'): URL {
  if (typeof value !== 'string' || value.length === 0)
    throw new CallbackRefusedError(`${field} must be a URL`);
  if (value.length > MAX_CALLBACK_URL_LENGTH) {
    throw new CallbackRefusedError(`${field} must be at most ${MAX_CALLBACK_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CallbackRefusedError(`${field} "${quote(value)}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CallbackRefusedError(`${field} must be an http or https URL`);
  }
  if (url.username || url.password) throw new CallbackRefusedError(`${field} must not contain credentials`);
  return url;
}

/** The host of a URL as a bare name or address (URL keeps IPv6 literals in brackets). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * The addresses a callback host resolves to, every one checked by the SSRF policy unless private targets
 * are allowed: a name with one private address among public ones is refused (the connection could pick it).
 */
export async function resolveCallbackHost(host: string, allowPrivate: boolean): Promise<LookupAddress[]> {
  let addresses: LookupAddress[];
  if (isIP(host) !== 0) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch {
      throw new CallbackRefusedError(`callback host "${quote(host)}" does not resolve`);
    }
  }
  if (allowPrivate) return addresses;
  for (const { address } of addresses) {
    const refusal = refusedAddress(address);
    if (refusal) {
      throw new CallbackRefusedError(
        `callback_url refused: ${refusal} (set WEBHOOK_ALLOW_PRIVATE=true to allow such targets)`,
      );
    }
  }
  return addresses;
}
