import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseAllDocuments } from 'yaml';

export const ROOT = join(__dirname, '..', '..');
export const KUBERNETES_DIR = join(ROOT, 'deploy', 'kubernetes');

/** One rendered Kubernetes object, as plain JSON. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  data?: Record<string, string>;
  [field: string]: unknown;
}

/** kubectl on PATH; installs Debian's kubernetes-client (as root) when it is missing. */
export function ensureKubectl(): void {
  execFileSync(join(ROOT, 'scripts', 'ensure-kubectl.sh'), { stdio: 'inherit' });
}

/**
 * Renders every overlay with `kubectl kustomize` from a copy of deploy/kubernetes in which each
 * overlay's secrets.env is its committed secrets.env.example (the real one is git-ignored).
 */
export function renderOverlays(): Map<string, K8sObject[]> {
  const copy = mkdtempSync(join(tmpdir(), 'gridllm-k8s-'));
  try {
    cpSync(KUBERNETES_DIR, copy, { recursive: true });
    const overlays = readdirSync(join(copy, 'overlays'));
    const rendered = new Map<string, K8sObject[]>();
    for (const overlay of overlays) {
      const dir = join(copy, 'overlays', overlay);
      cpSync(join(dir, 'secrets.env.example'), join(dir, 'secrets.env'));
      const out = execFileSync('kubectl', ['kustomize', dir], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      rendered.set(overlay, parseObjects(out));
    }
    return rendered;
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`bad YAML from kustomize: ${doc.errors[0]?.message}`);
      return doc.toJSON() as K8sObject | null;
    })
    .filter((obj): obj is K8sObject => obj !== null)
    .map(unwrapSecretData);
}

/** kustomize folds long base64 values over lines; the API server's decoder skips the line breaks, as here. */
function unwrapSecretData(obj: K8sObject): K8sObject {
  if (obj.kind !== 'Secret' || !obj.data) return obj;
  const data = Object.fromEntries(Object.entries(obj.data).map(([k, v]) => [k, v.replace(/\s+/g, '')]));
  return { ...obj, data };
}

/** The object of this kind whose name starts with `name` (a generated Secret's has a hash suffix); throws when absent. */
export function find<T>(objects: K8sObject[], kind: string, name: string): T {
  const found = objects.find((o) => o.kind === kind && o.metadata.name.startsWith(name));
  if (!found)
    throw new Error(`no ${kind} ${name} in ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found as unknown as T;
}
