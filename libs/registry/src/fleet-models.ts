import { OllamaLoadedModel, OllamaModel, WorkerInfo } from '@gridllm/contracts';

/**
 * One entry per model across the fleet. When workers disagree on a model's digest, the digest that
 * most workers hold wins (ties: the most recently modified copy), and size/details follow that copy.
 */
export function mergeFleetModels(workers: readonly WorkerInfo[]): OllamaModel[] {
  const copiesByName = new Map<string, OllamaModel[]>();
  for (const worker of workers) {
    for (const model of worker.models) {
      const copies = copiesByName.get(model.name) ?? [];
      copies.push(model);
      copiesByName.set(model.name, copies);
    }
  }
  return [...copiesByName.values()].map(pickRepresentative).sort(byModifiedDesc);
}

/** Loaded models of the whole fleet, one entry per model, the latest expiry winning. */
export function mergeFleetLoadedModels(workers: readonly WorkerInfo[]): OllamaLoadedModel[] {
  const byName = new Map<string, OllamaLoadedModel>();
  for (const worker of workers) {
    for (const model of worker.loadedModels) {
      const seen = byName.get(model.name);
      if (!seen || Date.parse(model.expires_at) > Date.parse(seen.expires_at)) byName.set(model.name, model);
    }
  }
  // Ollama lists loaded models latest expiry first.
  return [...byName.values()].sort((a, b) => Date.parse(b.expires_at) - Date.parse(a.expires_at));
}

function pickRepresentative(copies: OllamaModel[]): OllamaModel {
  const votes = new Map<string, number>();
  for (const copy of copies) votes.set(copy.digest, (votes.get(copy.digest) ?? 0) + 1);
  const ranked = [...copies].sort(
    (a, b) => (votes.get(b.digest) ?? 0) - (votes.get(a.digest) ?? 0) || byModifiedDesc(a, b),
  );
  return ranked[0];
}

function byModifiedDesc(a: OllamaModel, b: OllamaModel): number {
  return Date.parse(b.modified_at) - Date.parse(a.modified_at);
}
