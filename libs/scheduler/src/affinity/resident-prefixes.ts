/**
 * What this worker's engine still holds in its KV cache, per model, as the prefix checkpoints of the last
 * prompts it was given: one per slot, least recently used first. An engine keeps one prompt's cache per
 * slot and, for a prompt that continues none of them, reuses its oldest slot (Ollama's runner does; the
 * embedded engine does too, see SequenceShelf). So when a new conversation arrives with every slot
 * holding another, the oldest conversation's cache is gone: its checkpoints must stop naming this worker,
 * or its next turn would be sent here to evaluate everything again while another worker sits idle.
 */
export class ResidentPrefixes {
  /** Per model, the checkpoint chains held, oldest first. */
  private readonly held = new Map<string, string[][]>();

  constructor(private readonly slots: number) {}

  /**
   * Records that the engine is given a prompt with these checkpoints; returns the checkpoints this worker
   * no longer holds because of it (those of the prompt its slot evicts that the new prompt does not share).
   */
  admit(model: string, checkpoints: readonly string[]): string[] {
    if (checkpoints.length === 0) return [];
    const chains = this.held.get(model) ?? [];
    this.held.set(model, chains);
    const incoming = new Set(checkpoints);
    // A prompt that continues a held one (its deepest checkpoint is in the new chain) runs on that slot.
    const continued = chains.findIndex((chain) => incoming.has(chain[chain.length - 1]));
    let forgotten: string[] = [];
    if (continued >= 0) chains.splice(continued, 1);
    else if (chains.length >= this.slots) {
      const evicted = chains.shift() ?? [];
      forgotten = evicted.filter((hash) => !incoming.has(hash));
    }
    chains.push([...checkpoints]);
    return forgotten;
  }
}
