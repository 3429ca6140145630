import { Model } from '@kubernetes-models/base';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';

import type { K8sObject } from './kustomize-render';

type ModelClass = new (data: never) => Model<unknown>;

/** Every kind our manifests may hold, by `apiVersion/kind`; anything else is an error (never unchecked). */
const MODELS: Record<string, ModelClass> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': Ingress,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

/** Validates one object against its JSON schema; returns the problem, or null when it is valid. */
export function schemaProblem(obj: K8sObject): string | null {
  const model = MODELS[`${obj.apiVersion}/${obj.kind}`];
  if (!model) return `${obj.apiVersion} ${obj.kind} has no schema here`;
  try {
    new model(obj as never).validate();
    return null;
  } catch (err) {
    return `${obj.kind}/${obj.metadata.name}: ${(err as Error).message}`;
  }
}
