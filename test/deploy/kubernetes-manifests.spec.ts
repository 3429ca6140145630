import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';

import { EnvSchema, OPTIONAL_ENV_KEYS } from '@gridllm/config';

import { schemaProblem } from './k8s-schemas';
import { ensureKubectl, find, K8sObject, renderOverlays, ROOT } from './kustomize-render';

/** Read by docker/entrypoint.sh, not by the apps. */
const IMAGE_ENV = ['DEMO_MODEL'];
const APP_ENV = new Set([...Object.keys(new EnvSchema()), ...OPTIONAL_ENV_KEYS, ...IMAGE_ENV]);

/** Metric names the gateway registers (from its sources: `name: 'gridllm_…'`). */
function gatewayMetricNames(): Set<string> {
  const dir = join(ROOT, 'apps', 'gateway', 'src', 'metrics');
  const files = ['fleet-metrics.ts', 'http-metrics.ts', 'inference-metrics.service.ts'];
  const text = files.map((file) => readFileSync(join(dir, file), 'utf8')).join('\n');
  return new Set([...text.matchAll(/name: '(gridllm_[a-z_]+)'/g)].map((m) => m[1] ?? ''));
}

function container(obj: IDeployment | IStatefulSet): IContainer {
  const first = obj.spec?.template.spec?.containers[0];
  if (!first) throw new Error(`${obj.metadata?.name} has no container`);
  return first;
}

/** The pod's environment: literal values, ConfigMap data, and `secret:<key>` for Secret refs. */
function podEnv(objects: K8sObject[], obj: IDeployment): Map<string, string> {
  const env = new Map<string, string>();
  for (const from of container(obj).envFrom ?? []) {
    const data = find<IConfigMap>(objects, 'ConfigMap', from.configMapRef?.name ?? '?').data ?? {};
    for (const [k, v] of Object.entries(data)) env.set(k, v);
  }
  for (const e of container(obj).env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    env.set(e.name, e.value ?? (ref ? `secret:${ref.key}` : 'field'));
  }
  return env;
}

function probe(
  obj: IDeployment,
  which: 'readinessProbe' | 'livenessProbe',
): { path?: string; port?: number } {
  const c = container(obj);
  const get = c[which]?.httpGet;
  const port =
    typeof get?.port === 'number' ? get.port : c.ports?.find((p) => p.name === get?.port)?.containerPort;
  return { path: get?.path, port };
}

const rendered = (() => {
  ensureKubectl();
  return renderOverlays();
})();

describe('deploy/kubernetes', () => {
  it('has a dev and a production overlay', () => {
    expect([...rendered.keys()].sort()).toEqual(['dev', 'production']);
  });

  describe.each([...rendered.entries()])('overlay %s', (_overlay, objects) => {
    const gateway = find<IDeployment>(objects, 'Deployment', 'gridllm-gateway');
    const worker = find<IDeployment>(objects, 'Deployment', 'gridllm-worker');

    it('renders only objects that validate against the Kubernetes (and KEDA / Prometheus) schemas', () => {
      expect(objects.length).toBeGreaterThan(8);
      expect(objects.map(schemaProblem).filter((p) => p !== null)).toEqual([]);
    });

    it('sets only environment variables the apps read', () => {
      const names = [gateway, worker].flatMap((d) => [...podEnv(objects, d).keys()]);
      expect(names.filter((n) => !APP_ENV.has(n))).toEqual([]);
    });

    it('takes every required secretKeyRef from a key the Secret has', () => {
      const secret = find<ISecret>(objects, 'Secret', 'gridllm-secrets');
      const refs = [gateway, worker]
        .flatMap((d) => container(d).env ?? [])
        .map((e) => e.valueFrom?.secretKeyRef)
        .filter((ref) => ref !== undefined && !ref.optional);
      expect(refs.length).toBeGreaterThan(3);
      for (const ref of refs) {
        expect(secret.metadata?.name).toBe(ref?.name); // kustomize renames the refs with the Secret's hash
        expect(Object.keys(secret.data ?? {})).toContain(ref?.key);
      }
    });

    it('runs 2+ gateways probed on the port they listen on, behind a PDB, an HPA and a Service', () => {
      const port = Number(podEnv(objects, gateway).get('GATEWAY_PORT'));
      expect(gateway.spec?.replicas).toBeGreaterThanOrEqual(2);
      expect(probe(gateway, 'readinessProbe')).toEqual({ path: '/health/ready', port });
      expect(probe(gateway, 'livenessProbe')).toEqual({ path: '/health/live', port });
      const pod = gateway.spec?.template.metadata;
      expect(pod?.annotations?.['prometheus.io/port']).toBe(String(port));
      const pdb = find<IPodDisruptionBudget>(objects, 'PodDisruptionBudget', 'gridllm-gateway');
      expect(pod?.labels).toMatchObject(pdb.spec?.selector?.matchLabels ?? { missing: 'selector' });
      const hpa = find<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler', 'gridllm-gateway');
      expect(hpa.spec?.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: gateway.metadata?.name });
      expect(hpa.spec?.minReplicas).toBeGreaterThanOrEqual(2);
      const service = find<IService>(objects, 'Service', 'gridllm-gateway');
      expect(pod?.labels).toMatchObject(service.spec?.selector ?? { missing: 'selector' });
      expect(container(gateway).ports?.map((p) => p.name)).toContain(service.spec?.ports?.[0]?.targetPort);
    });

    it('gives the gateway a writable BLOB_DIR and workers the Service address to fetch blobs from', () => {
      const env = podEnv(objects, gateway);
      const mount = container(gateway).volumeMounts?.find((m) => m.mountPath === env.get('BLOB_DIR'));
      expect(mount?.readOnly).not.toBe(true);
      expect(gateway.spec?.template.spec?.volumes?.map((v) => v.name)).toContain(mount?.name);
      expect(env.get('GATEWAY_PUBLIC_URL')).toBe(`http://gridllm-gateway:${env.get('GATEWAY_PORT')}`);
    });

    it('gives a worker the time to drain: terminationGracePeriodSeconds covers DRAIN_TIMEOUT', () => {
      const env = podEnv(objects, worker);
      const drainSeconds = Number(env.get('DRAIN_TIMEOUT')) / 1000;
      const grace = worker.spec?.template.spec?.terminationGracePeriodSeconds ?? 30;
      expect(drainSeconds).toBeGreaterThan(0);
      expect(grace).toBeGreaterThan(drainSeconds);
      expect(grace).toBeLessThanOrEqual(drainSeconds + 30);
      const port = Number(env.get('WORKER_PORT'));
      expect(probe(worker, 'readinessProbe')).toEqual({ path: '/health/ready', port });
      expect(probe(worker, 'livenessProbe')).toEqual({ path: '/health/live', port });
    });

    it('points every pod at a Redis URL from the Secret', () => {
      for (const d of [gateway, worker]) expect(podEnv(objects, d).get('REDIS_URL')).toBe('secret:REDIS_URL');
    });
  });

  describe('overlay dev', () => {
    const objects = rendered.get('dev') ?? [];

    it('runs Redis as a StatefulSet with the append-only file, under the name REDIS_URL uses', () => {
      const redis = find<IStatefulSet>(objects, 'StatefulSet', 'redis');
      expect(container(redis).args?.join(' ')).toContain('--appendonly yes');
      const secrets = readFileSync(join(ROOT, 'deploy/kubernetes/overlays/dev/secrets.env.example'), 'utf8');
      const service = find<IService>(objects, 'Service', 'redis');
      expect(secrets).toContain(
        `REDIS_URL=redis://${service.metadata?.name}:${service.spec?.ports?.[0]?.port}`,
      );
    });
  });

  describe('overlay production', () => {
    const objects = rendered.get('production') ?? [];
    const worker = find<IDeployment>(objects, 'Deployment', 'gridllm-worker');
    const gateway = find<IDeployment>(objects, 'Deployment', 'gridllm-gateway');

    it('shares one ReadWriteMany claim for uploaded blobs between all gateways', () => {
      const volume = gateway.spec?.template.spec?.volumes?.find((v) => v.name === 'blobs');
      expect(volume?.emptyDir).toBeUndefined();
      const claimName = volume?.persistentVolumeClaim?.claimName ?? 'missing';
      const claim = find<IPersistentVolumeClaim>(objects, 'PersistentVolumeClaim', claimName);
      expect(claim.spec?.accessModes).toEqual(['ReadWriteMany']);
    });

    it('asks for a GPU on GPU nodes for each worker', () => {
      expect(container(worker).resources?.limits?.['nvidia.com/gpu']).toBe('1');
      expect(worker.spec?.template.spec?.nodeSelector).toEqual({ 'nvidia.com/gpu.present': 'true' });
    });

    it('streams through the Ingress unbuffered with long timeouts, to the gateway Service', () => {
      const ingress = find<IIngress>(objects, 'Ingress', 'gridllm');
      const a = ingress.metadata?.annotations ?? {};
      expect(a['nginx.ingress.kubernetes.io/proxy-buffering']).toBe('off');
      expect(Number(a['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(600);
      const backend = ingress.spec?.rules?.[0]?.http?.paths[0]?.backend.service;
      expect(backend?.name).toBe(find<IService>(objects, 'Service', 'gridllm-gateway').metadata?.name);
    });

    it('scales workers from zero with KEDA on metrics the gateway really exports', () => {
      const scaled = find<IScaledObject>(objects, 'ScaledObject', 'gridllm-worker');
      expect(scaled.spec.scaleTargetRef.name).toBe(worker.metadata?.name);
      expect(scaled.spec.minReplicaCount).toBe(0);
      const queries = scaled.spec.triggers.map((t) => String(t.metadata.query));
      expect(queries.join(' ')).toContain('gridllm_queue_depth');
      const used = queries.flatMap((q) => [...q.matchAll(/gridllm_[a-z_]+/g)].map((m) => m[0]));
      const known = gatewayMetricNames();
      expect(used.filter((name) => !known.has(name))).toEqual([]);
    });

    it('lets Prometheus scrape the gateway Service with the metrics token', () => {
      const monitor = find<IServiceMonitor>(objects, 'ServiceMonitor', 'gridllm-gateway');
      const service = find<IService>(objects, 'Service', 'gridllm-gateway');
      expect(service.metadata?.labels).toMatchObject(
        monitor.spec.selector.matchLabels ?? { missing: 'selector' },
      );
      const endpoint = monitor.spec.endpoints?.[0];
      expect(endpoint).toMatchObject({ port: 'http', path: '/metrics' });
      const secret = find<ISecret>(objects, 'Secret', 'gridllm-secrets');
      expect(Object.keys(secret.data ?? {})).toContain(endpoint?.bearerTokenSecret?.key);
    });
  });
});
