import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { queueConfig } from '@gridllm/config';
import { JobAffinity, JobKind } from '@gridllm/contracts';

import { AffinityStore } from './affinity-store';
import { PREFIX_BLOCK_CHARS, fingerprintPrompt, sessionHash } from './prefix-fingerprint';

/** What the planner needs to know about a job being submitted. */
export interface AffinityInput {
  kind: JobKind;
  model: string;
  request: Record<string, unknown>;
  session?: string;
  ownerId?: string;
}

/**
 * Gateway side of affinity: fingerprints the prompt, and prefers the session's worker, else the worker
 * that served the longest prefix of this prompt recently. One round trip; nothing when there is nothing
 * to remember (no session, no full prefix block, or PREFIX_AFFINITY=false without a session).
 */
@Injectable()
export class AffinityPlanner {
  constructor(
    private readonly store: AffinityStore,
    @Inject(queueConfig.KEY) private readonly settings: ConfigType<typeof queueConfig>,
  ) {}

  async plan(input: AffinityInput): Promise<JobAffinity | undefined> {
    const prefix = this.settings.prefixAffinity ? fingerprintPrompt(input.kind, input.request) : [];
    const session = input.session ? sessionHash(input.ownerId, input.session) : undefined;
    if (prefix.length === 0 && !session) return undefined;
    const found = await this.store.lookup(input.model, prefix, session);
    const affinity: JobAffinity = { ...(prefix.length > 0 && { prefix }), ...(session && { session }) };
    if (found.session) affinity.preferred = { workerId: found.session, reason: 'session' };
    else if (found.prefix)
      affinity.preferred = {
        workerId: found.prefix.workerId,
        reason: 'prefix',
        prefixChars: found.prefix.depth * PREFIX_BLOCK_CHARS,
      };
    return affinity;
  }
}
