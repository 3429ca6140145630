import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { queueConfig } from '@gridllm/config';
import { JobAffinity, JobKind } from '@gridllm/contracts';
import { WorkerRegistry } from '@gridllm/registry';

import { AvailabilityBoard } from '../availability-board';
import { AffinityStore, PrefixMatch } from './affinity-store';
import { PromptFingerprint, checkpointChars, fingerprintPrompt, sessionHash } from './prefix-fingerprint';
import { busySlots, ownChars, worthPreferring } from './prefix-preference';

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
 * that served the longest prefix of this prompt recently, if that is worth its load (see
 * worthPreferring). One round trip, plus one for that worker's load on a prefix match; nothing when
 * there is nothing to remember (no session, no full prefix block, or PREFIX_AFFINITY=false without one).
 */
@Injectable()
export class AffinityPlanner {
  constructor(
    private readonly store: AffinityStore,
    @Inject(queueConfig.KEY) private readonly settings: ConfigType<typeof queueConfig>,
    private readonly registry: WorkerRegistry,
    private readonly board: AvailabilityBoard,
  ) {}

  async plan(input: AffinityInput): Promise<JobAffinity | undefined> {
    const fingerprint = this.settings.prefixAffinity
      ? fingerprintPrompt(input.kind, input.request)
      : { hashes: [], blocks: [] };
    const prefix = fingerprint.hashes;
    const session = input.session ? sessionHash(input.ownerId, input.session) : undefined;
    if (prefix.length === 0 && !session) return undefined;
    const found = await this.store.lookup(input.model, prefix, session);
    const affinity: JobAffinity = { ...(prefix.length > 0 && { prefix }), ...(session && { session }) };
    if (found.session) affinity.preferred = { workerId: found.session, reason: 'session' };
    else if (found.prefix && (await this.worthIt(input.model, found.prefix, fingerprint)))
      affinity.preferred = {
        workerId: found.prefix.workerId,
        reason: 'prefix',
        prefixChars: checkpointChars(fingerprint, found.prefix.depth),
      };
    return affinity;
  }

  /** The worker's heartbeat and its board entry, read side by side (one more round trip). */
  private async worthIt(model: string, match: PrefixMatch, fingerprint: PromptFingerprint): Promise<boolean> {
    const [info, free] = await Promise.all([
      this.registry.get(match.workerId),
      this.board.isFree(model, match.workerId),
    ]);
    const servedAt = match.expiresAt - this.settings.affinityTtlMs;
    const own = ownChars(match, fingerprint);
    return worthPreferring(own, info && { busy: busySlots(info, free, servedAt), free });
  }
}
