import { beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { envVarSpecs } from '../src/config/env-var.decorator.js';
import { loadConfig } from '../src/config/load-config.js';
import { parseDockerfile, stageEnv } from './helpers/dockerfile.js';
import { kustomizeBuild, readYamlDocuments, type K8sObject } from './helpers/kustomize.js';

/**
 * components/jobs (used by overlays/cpu-jobs): Redis, the shared job volume and the HPA's backlog metric.
 * test/deploy.e2e-spec.ts covers what every overlay shares; test/jobs.e2e-spec.ts runs the jobs themselves.
 */
const K8S = join(process.cwd(), 'deploy', 'k8s');
const exampleSecret = readYamlDocuments(join(K8S, 'base', 'secret.example.yaml'))[0] as K8sObject & { stringData: Record<string, string> };
const adapter = readYamlDocuments(join(K8S, 'prometheus-adapter', 'values.yaml'))[0] as { rules: { external: Array<{ name: { as: string } }> } };

type Env = Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }>;
type Container = { name: string; env?: Env; volumeMounts?: Array<{ name: string; mountPath: string }>; securityContext?: { readOnlyRootFilesystem?: boolean }; ports?: Array<{ name: string; containerPort: number }> };
type Pod = { containers: Container[]; volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName: string } }>; securityContext?: { runAsNonRoot?: boolean } };

let objects: K8sObject[];
let plain: K8sObject[];
const get = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;
const pod = (name: string) => (get('Deployment', name).spec as { template: { spec: Pod } }).template.spec;

beforeAll(() => {
  objects = kustomizeBuild(join(K8S, 'overlays', 'cpu-jobs'));
  plain = kustomizeBuild(join(K8S, 'overlays', 'cpu'));
});

describe('deploy/k8s with jobs (components/jobs)', () => {
  it('adds Redis, its volume and the shared job volume to the CPU overlay; every object is valid', () => {
    const ids = (list: K8sObject[]) => list.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(ids(objects)).toEqual([...ids(plain), 'Deployment/parakeet-redis', 'PersistentVolumeClaim/parakeet-nest-jobs', 'PersistentVolumeClaim/parakeet-redis-data', 'Service/parakeet-redis'].sort());
    const models: Record<string, new (data: never) => { validate(): void }> = { Deployment, Service, PersistentVolumeClaim, HorizontalPodAutoscaler };
    for (const o of objects) if (models[o.kind]) new models[o.kind](o as never).validate();
  });

  it('every pod reaches the Redis Service and mounts the ReadWriteMany volume at PARAKEET_JOBS_DIR; the settings load', () => {
    const c = pod('parakeet-nest').containers.find((x) => x.name === 'parakeet')!;
    const literal = Object.fromEntries((c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
    const names = new Set(envVarSpecs().map((s) => s.name));
    for (const e of c.env ?? []) expect(names.has(e.name) || ['CUDA_MODULE_LOADING'].includes(e.name)).toBe(true);

    const redisUrl = new URL(literal.PARAKEET_REDIS_URL);
    const service = get('Service', 'parakeet-redis') as K8sObject & { spec: { ports: Array<{ port: number; targetPort: string }>; selector: Record<string, string> } };
    expect(redisUrl.hostname).toBe('parakeet-redis');
    expect(Number(redisUrl.port)).toBe(service.spec.ports[0].port);
    const redis = pod('parakeet-redis');
    expect(redis.containers[0].ports!.map((p) => p.name)).toContain(service.spec.ports[0].targetPort);
    expect((get('Deployment', 'parakeet-redis').spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels).toMatchObject(service.spec.selector);

    const mount = c.volumeMounts!.find((m) => m.mountPath === literal.PARAKEET_JOBS_DIR)!;
    const claim = pod('parakeet-nest').volumes!.find((v) => v.name === mount.name)!.persistentVolumeClaim!.claimName;
    expect((get('PersistentVolumeClaim', claim).spec as { accessModes: string[] }).accessModes).toEqual(['ReadWriteMany']);

    const stage = parseDockerfile(join(process.cwd(), 'deploy', 'Dockerfile')).find((s) => s.name === 'cpu')!;
    const config = loadConfig({ ...stageEnv(stage), ...literal });
    expect(config.redisUrl).toBe(literal.PARAKEET_REDIS_URL);
    expect(config.jobsDir).toBe(literal.PARAKEET_JOBS_DIR);

    const secret = (c.env ?? []).find((e) => e.name === 'PARAKEET_JOBS_WEBHOOK_SECRET')!.valueFrom!.secretKeyRef!;
    expect(secret).toMatchObject({ name: exampleSecret.metadata.name, optional: true });
    expect(Object.keys(exampleSecret.stringData)).toContain(secret.key);
  });

  it('Redis runs non-root on a read-only root with its data on its own volume', () => {
    const redis = pod('parakeet-redis');
    expect(redis.securityContext?.runAsNonRoot).toBe(true);
    expect(redis.containers[0].securityContext?.readOnlyRootFilesystem).toBe(true);
    const data = redis.containers[0].volumeMounts!.find((m) => m.mountPath === '/data')!;
    expect(redis.volumes!.find((v) => v.name === data.name)!.persistentVolumeClaim!.claimName).toBe('parakeet-redis-data');
  });

  it('the HPA keeps live load and adds the backlog, which prometheus-adapter serves as an External metric', () => {
    const hpa = get('HorizontalPodAutoscaler', 'parakeet-nest') as K8sObject & { spec: { metrics: Array<{ type: string; pods?: { metric: { name: string } }; external?: { metric: { name: string } } }> } };
    const base = plain.find((o) => o.kind === 'HorizontalPodAutoscaler') as typeof hpa;
    expect(hpa.spec.metrics[0]).toEqual(base.spec.metrics[0]);
    expect(hpa.spec.metrics.map((m) => [m.type, (m.pods ?? m.external)!.metric.name])).toEqual([
      ['Pods', 'parakeet_queue_depth'],
      ['External', 'parakeet_jobs_backlog'],
    ]);
    expect(adapter.rules.external.map((r) => r.name.as)).toEqual(['parakeet_jobs_backlog']);
  });
});
