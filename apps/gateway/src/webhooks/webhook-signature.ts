import { createHmac } from 'node:crypto';

/** Headers of a signed callback. */
export const TIMESTAMP_HEADER = 'x-gridllm-timestamp';
export const SIGNATURE_HEADER = 'x-gridllm-signature';
export const DELIVERY_HEADER = 'x-gridllm-delivery';

/**
 * `sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`, as Stripe and GitHub sign: the timestamp inside
 * the signed text lets a receiver refuse replays of an old delivery.
 */
export function signCallback(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
