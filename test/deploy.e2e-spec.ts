import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { validate as validateDockerfile } from 'dockerfile-utils';
import { run as dockerfilelint } from 'dockerfilelint';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { parse as parseYaml } from 'yaml';
import { SERVER_NODE_FLAGS } from '../src/common/node-flags.js';
import { envVarSpecs } from '../src/config/env-var.decorator.js';
import { loadConfig } from '../src/config/load-config.js';
import { repositoryFor } from '../src/model/model-aliases.js';
import { hubCacheDir } from '../src/model/model-resolver.js';
import { startApp, type RunningApp } from './helpers/app.js';
import { dockerignoreExcludes, parseDockerfile, runInlineEnv, stageEnv, type Stage } from './helpers/dockerfile.js';
import { kustomizeBuild, normalizeBuild, podContainers, readYamlDocuments, type K8sObject } from './helpers/kustomize.js';

const ROOT = process.cwd();
const K8S = join(ROOT, 'deploy', 'k8s');
const DOCKERFILE = join(ROOT, 'deploy', 'Dockerfile');
const OVERLAYS = { gpu: join(K8S, 'overlays', 'gpu'), cpu: join(K8S, 'overlays', 'cpu') } as const;
type Overlay = keyof typeof OVERLAYS;

/** Variables the manifests or the Dockerfile set that the service's config schema does not own, and who reads them. */
const READ_BY_OTHERS: Record<string, string> = {
  CUDA_MODULE_LOADING: 'the CUDA runtime: LAZY loads kernels on first use (docs/gpu-hosts.md)',
  ONNXRUNTIME_NODE_INSTALL: "onnxruntime-node's install script, at image build time only",
};
const SCHEMA_VARS = new Set(envVarSpecs().map((s) => s.name));
const DEFAULT_PORT = Number(envVarSpecs().find((s) => s.name === 'PARAKEET_PORT')!.default);

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Secret': Secret,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/Job': Job,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};
/** Validates one object against the Kubernetes JSON schema of its kind (kubernetes-models' compiled schemas); throws on errors. */
function validateK8s(obj: K8sObject): void {
  const Model = MODELS[`${obj.apiVersion}/${obj.kind}`];
  if (!Model) throw new Error(`no schema wired for ${obj.apiVersion} ${obj.kind} in test/deploy.e2e-spec.ts`);
  new Model(obj as never).validate();
}

type Container = {
  name: string;
  image: string;
  command?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[] } };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  lifecycle?: { preStop?: { sleep?: { seconds: number }; exec?: unknown; httpGet?: unknown } };
} & Partial<Record<'startupProbe' | 'readinessProbe' | 'livenessProbe', { httpGet: { path: string; port: string | number }; periodSeconds?: number; failureThreshold?: number }>>;
type PodSpec = {
  containers: Container[];
  volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName: string }; emptyDir?: unknown }>;
  securityContext?: Record<string, unknown>;
  terminationGracePeriodSeconds?: number;
  enableServiceLinks?: boolean;
};

const builds = {} as Record<Overlay | 'warmup', K8sObject[]>;
const find = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const the = (objects: K8sObject[], kind: string) => {
  const found = find(objects, kind);
  expect(found).toHaveLength(1);
  return found[0];
};
const podSpec = (o: K8sObject) => (o.spec as { template: { spec: PodSpec } }).template.spec;
const mainContainer = (overlay: Overlay) => podSpec(the(builds[overlay], 'Deployment')).containers.find((c) => c.name === 'parakeet')!;
const literalEnv = (c: Container) => Object.fromEntries((c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));

const stages = parseDockerfile(DOCKERFILE);
const stage = (name: string) => {
  const s = stages.find((x) => x.name === name);
  if (!s) throw new Error(`deploy/Dockerfile has no stage ${name}`);
  return s;
};
const instructions = (s: Stage, keyword: string) => s.instructions.filter((i) => i.keyword === keyword);
const workdir = (s: Stage) => instructions(s, 'WORKDIR').at(-1)!.args;

const exampleSecret = readYamlDocuments(join(K8S, 'base', 'secret.example.yaml'))[0] as K8sObject & { stringData: Record<string, string> };

/** What the process in the image sees: the target's ENV, then the container's env, secrets from the example. */
function effectiveEnv(overlay: Overlay): Record<string, string> {
  const env: Record<string, string> = { ...stageEnv(stage(overlay)) };
  for (const e of mainContainer(overlay).env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (e.value !== undefined) env[e.name] = e.value;
    else if (ref && exampleSecret.stringData[ref.key] !== undefined) env[e.name] = exampleSecret.stringData[ref.key];
  }
  return env;
}

/** The mount that holds a path (deepest first); undefined when the path lies on the (read-only) root filesystem. */
function mountFor(c: Container, path: string) {
  return (c.volumeMounts ?? [])
    .filter((m) => path === m.mountPath || path.startsWith(`${m.mountPath}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
}

beforeAll(() => {
  builds.gpu = kustomizeBuild(OVERLAYS.gpu);
  builds.cpu = kustomizeBuild(OVERLAYS.cpu);
  builds.warmup = kustomizeBuild(join(OVERLAYS.gpu, 'warmup'));
});

describe('deploy/k8s manifests', () => {
  it('every YAML file parses (no syntax errors, no duplicate keys) and every document is a Kubernetes object', () => {
    const files: string[] = [];
    const walk = (d: string) => readdirSync(d).forEach((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : n.endsWith('.yaml') && files.push(join(d, n))));
    walk(K8S);
    expect(files.length).toBeGreaterThanOrEqual(14);
    for (const file of files) {
      const docs = readYamlDocuments(file) as Record<string, unknown>[];
      expect(docs.length).toBeGreaterThan(0);
      if (file.includes('prometheus-adapter')) continue; // Helm values, not an object
      for (const d of docs) expect([relative(ROOT, file), typeof d.apiVersion, typeof d.kind]).toEqual([relative(ROOT, file), 'string', 'string']);
    }
    // A broken document is reported, not skipped.
    expect(() => parseYaml('a: 1\na: 2\n', { uniqueKeys: true })).toThrow();
  });

  it('the overlays build: base + patches + images, the expected objects, the right image per overlay', () => {
    const kinds = (objects: K8sObject[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    const common = ['Deployment/parakeet-nest', 'HorizontalPodAutoscaler/parakeet-nest', 'PodDisruptionBudget/parakeet-nest', 'Service/parakeet-nest', 'ServiceMonitor/parakeet-nest'];
    expect(kinds(builds.cpu)).toEqual(common);
    expect(kinds(builds.gpu)).toEqual([...common, 'Job/parakeet-nest-warmup', 'PersistentVolumeClaim/parakeet-nest-models'].sort());
    expect(kinds(builds.warmup)).toEqual(['Job/parakeet-nest-warmup', 'PersistentVolumeClaim/parakeet-nest-models']);
    for (const overlay of ['gpu', 'cpu'] as const) {
      for (const o of builds[overlay]) for (const c of podContainers(o)) expect(c.image).toBe(`parakeet-nest:${overlay}`);
    }
    // The test-side kustomize refuses what it does not understand instead of ignoring it.
    expect(() => kustomizeBuild(join(K8S, 'base', 'missing'))).toThrow(/no kustomization.yaml/);
  });

  it('every object validates against the Kubernetes JSON schemas (kubernetes-models), and the validator does reject errors', () => {
    for (const o of [...builds.gpu, ...builds.cpu, exampleSecret]) {
      try {
        validateK8s(o);
      } catch (e) {
        throw new Error(`${o.kind}/${o.metadata.name}: ${(e as Error).message}`);
      }
    }
    const broken = structuredClone(the(builds.cpu, 'Deployment'));
    podSpec(broken).containers[0].ports![0].containerPort = '8000' as never;
    expect(() => validateK8s(broken)).toThrow(/containerPort must be integer/);
    const noSelector = structuredClone(the(builds.cpu, 'Deployment')) as K8sObject & { spec: Record<string, unknown> };
    delete noSelector.spec.selector;
    expect(() => validateK8s(noSelector)).toThrow(/selector/);
  });

  it('every variable the manifests and the Dockerfile set is one the config schema owns, or one listed as read by CUDA or onnxruntime-node', () => {
    const set = new Map<string, string>();
    for (const overlay of ['gpu', 'cpu'] as const) {
      for (const o of builds[overlay]) for (const c of podContainers(o) as Container[]) for (const e of c.env ?? []) set.set(e.name, `${overlay}: ${o.kind}/${o.metadata.name}`);
    }
    for (const s of stages) for (const name of Object.keys({ ...stageEnv(s), ...runInlineEnv(s) })) set.set(name, `deploy/Dockerfile stage ${s.name}`);
    expect(set.size).toBeGreaterThan(15);
    const unknown = [...set].filter(([name]) => !SCHEMA_VARS.has(name) && !(name in READ_BY_OTHERS)).map(([name, where]) => `${name} (${where})`);
    expect(unknown).toEqual([]);
    // What each image and overlay hands the service is a valid configuration.
    for (const overlay of ['gpu', 'cpu'] as const) expect(() => loadConfig(effectiveEnv(overlay))).not.toThrow();
    for (const job of find(builds.gpu, 'Job')) for (const c of podContainers(job) as Container[]) expect(() => loadConfig({ ...stageEnv(stage('gpu')), ...literalEnv(c) })).not.toThrow();
  });

  it('the container port is PARAKEET_PORT (its default, set explicitly, exposed by the image); Service and ServiceMonitor reach it by name', () => {
    for (const overlay of ['gpu', 'cpu'] as const) {
      const c = mainContainer(overlay);
      const http = c.ports!.find((p) => p.name === 'http')!;
      expect(http.containerPort).toBe(DEFAULT_PORT);
      expect(Number(effectiveEnv(overlay).PARAKEET_PORT)).toBe(DEFAULT_PORT);
      expect(instructions(stage(overlay), 'EXPOSE').map((i) => i.args)).toEqual([String(DEFAULT_PORT)]);
      for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) expect([http.name, http.containerPort]).toContain(probe!.httpGet.port);
      const service = the(builds[overlay], 'Service') as K8sObject & { spec: { selector: Record<string, string>; ports: Array<{ name: string; targetPort: string | number }> } };
      const servicePort = service.spec.ports.find((p) => p.name === 'http')!;
      expect([http.name, http.containerPort]).toContain(servicePort.targetPort);
      const monitor = the(builds[overlay], 'ServiceMonitor') as K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string }> } };
      expect(monitor.spec.endpoints.map((e) => e.port)).toEqual([servicePort.name]);
      expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
      // Selectors of the Service and the PodDisruptionBudget pick the Deployment's pods.
      const podLabels = (the(builds[overlay], 'Deployment').spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
      expect(podLabels).toMatchObject(service.spec.selector);
      expect(podLabels).toMatchObject((the(builds[overlay], 'PodDisruptionBudget').spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels);
    }
  });

  it('probes: startup and readiness on /readyz, liveness on /healthz; the startup budget covers a download or a TensorRT build and fits the rollout deadline', () => {
    const budgets: Record<Overlay, number> = { gpu: 0, cpu: 0 };
    for (const overlay of ['gpu', 'cpu'] as const) {
      const c = mainContainer(overlay);
      expect(c.startupProbe!.httpGet.path).toBe('/readyz');
      expect(c.readinessProbe!.httpGet.path).toBe('/readyz');
      expect(c.livenessProbe!.httpGet.path).toBe('/healthz');
      budgets[overlay] = c.startupProbe!.periodSeconds! * c.startupProbe!.failureThreshold!;
      const deadline = (the(builds[overlay], 'Deployment').spec as { progressDeadlineSeconds?: number }).progressDeadlineSeconds ?? 600;
      expect(deadline).toBeGreaterThan(budgets[overlay]);
    }
    // GPU: at least 20 minutes for a 2.4 GB download plus per-lane TensorRT engine builds; CPU: the embedded model loads in seconds.
    expect(budgets.gpu).toBeGreaterThanOrEqual(20 * 60);
    expect(budgets.cpu).toBeGreaterThanOrEqual(60);
  });

  it('terminationGracePeriodSeconds exceeds preStop + PARAKEET_DRAIN_DELAY_S + PARAKEET_SHUTDOWN_TIMEOUT_S, both set explicitly', () => {
    for (const overlay of ['gpu', 'cpu'] as const) {
      const c = mainContainer(overlay);
      const set = literalEnv(c);
      expect(set).toHaveProperty('PARAKEET_DRAIN_DELAY_S');
      expect(set).toHaveProperty('PARAKEET_SHUTDOWN_TIMEOUT_S');
      const config = loadConfig(effectiveEnv(overlay));
      // A preStop hook runs before SIGTERM and eats into the grace period; only a sleep has a known length.
      expect(c.lifecycle?.preStop?.exec).toBeUndefined();
      expect(c.lifecycle?.preStop?.httpGet).toBeUndefined();
      const preStop = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
      const grace = podSpec(the(builds[overlay], 'Deployment')).terminationGracePeriodSeconds ?? 30;
      expect(grace).toBeGreaterThan(preStop + config.drainDelayS + config.shutdownTimeoutS);
      // Requests still queued at SIGTERM get their answer (or their 503) before the shutdown deadline.
      expect(config.shutdownTimeoutS).toBeGreaterThan(config.maxQueueWaitS);
    }
  });

  it('pods run as the image user, non-root, read-only root, no privilege escalation, and every path the service writes is on a volume', () => {
    const imageUser = (s: Stage) => instructions(s, 'USER').at(-1)!.args.split(':')[0];
    for (const overlay of ['gpu', 'cpu'] as const) {
      const deployment = the(builds[overlay], 'Deployment');
      const spec = podSpec(deployment);
      expect(spec.enableServiceLinks).toBe(false);
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: Number(imageUser(stage(overlay))) });
      const config = loadConfig(effectiveEnv(overlay));
      const c = mainContainer(overlay);
      const app = workdir(stage(overlay));
      const writable = ['/tmp', posix.resolve(app, config.metricsDir)];
      if (config.modelSource === 'hub') writable.push(posix.resolve(app, config.cacheDir));
      const set = literalEnv(c);
      if (set.TRT_ENGINE_CACHE) writable.push(set.TRT_ENGINE_CACHE, set.TRT_TIMING_CACHE);
      for (const o of builds[overlay]) {
        for (const container of podContainers(o) as Container[]) {
          expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
          for (const r of ['cpu', 'memory']) {
            expect(container.resources?.requests).toHaveProperty([r]);
            expect(container.resources?.limits).toHaveProperty([r]);
          }
          const volumes = podSpec(o).volumes ?? [];
          for (const m of container.volumeMounts ?? []) expect(volumes.map((v) => v.name)).toContain(m.name);
        }
      }
      for (const path of writable) {
        const mount = mountFor(c, path);
        expect([path, mount?.mountPath, mount?.readOnly ?? false]).toEqual([path, expect.any(String), false]);
      }
    }
  });

  it('GPU overlay: one GPU per pod, lanes set, CUDA lazy loading, model and TensorRT caches on the shared volume filled by the warm-up Job', () => {
    const c = mainContainer('gpu');
    expect(c.resources!.limits!['nvidia.com/gpu']).toBe(1);
    expect(Object.keys(c.resources!.requests!)).not.toContain('nvidia.com/gpu');
    expect(mainContainer('cpu').resources!.limits!).not.toHaveProperty(['nvidia.com/gpu']);
    const env = effectiveEnv('gpu');
    expect(Number(env.PARAKEET_LANES)).toBeGreaterThanOrEqual(1);
    expect(env.CUDA_MODULE_LOADING).toBe('LAZY');
    const spec = podSpec(the(builds.gpu, 'Deployment'));
    const pvc = the(builds.gpu, 'PersistentVolumeClaim');
    expect((pvc.spec as { accessModes: string[] }).accessModes).toEqual(['ReadWriteMany']); // shared by every replica
    const modelsVolume = spec.volumes!.find((v) => v.persistentVolumeClaim?.claimName === pvc.metadata.name)!;
    const mount = c.volumeMounts!.find((m) => m.name === modelsVolume.name)!;
    for (const name of ['PARAKEET_CACHE_DIR', 'TRT_ENGINE_CACHE', 'TRT_TIMING_CACHE']) expect(env[name].startsWith(`${mount.mountPath}/`)).toBe(true);
    // The Job downloads to exactly the directory the pods' hub source looks in, on the same claim.
    const job = the(builds.gpu, 'Job');
    const fetch = podSpec(job).containers[0];
    expect(podSpec(job).volumes!.some((v) => v.persistentVolumeClaim?.claimName === pvc.metadata.name)).toBe(true);
    const config = loadConfig(env);
    expect(config.modelSource).toBe('hub');
    expect(literalEnv(fetch).PARAKEET_MODEL_ID).toBe(config.modelId);
    const out = fetch.command![fetch.command!.indexOf('--out') + 1];
    expect(out).toBe(hubCacheDir(config.cacheDir, repositoryFor(config.modelId), config.quantization));
    expect(fetch.command!.slice(0, 2)).toEqual(['node', 'dist/scripts/fetch-model.js']);
    expect(existsSync(join(ROOT, 'scripts', 'fetch-model.ts'))).toBe(true);
  });

  it('secrets: every reference names a key of the example Secret, which is not applied by any kustomization and holds no real key', () => {
    const refs: Array<{ name: string; key: string; optional?: boolean }> = [];
    for (const o of [...builds.gpu, ...builds.cpu]) for (const c of podContainers(o) as Container[]) for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) refs.push(e.valueFrom.secretKeyRef);
    const monitor = the(builds.gpu, 'ServiceMonitor') as K8sObject & { spec: { endpoints: Array<{ authorization: { type: string; credentials: { name: string; key: string } } }> } };
    expect(monitor.spec.endpoints[0].authorization.type).toBe('Bearer');
    refs.push(monitor.spec.endpoints[0].authorization.credentials);
    expect(refs.map((r) => r.key)).toEqual(expect.arrayContaining(['api-keys', 'metrics-token']));
    for (const r of refs) {
      expect(r.name).toBe(exampleSecret.metadata.name);
      expect(Object.keys(exampleSecret.stringData)).toContain(r.key);
    }
    // The metrics token the pods require is the one Prometheus sends.
    const tokenRef = mainContainer('gpu').env!.find((e) => e.name === 'PARAKEET_METRICS_TOKEN')!.valueFrom!.secretKeyRef!;
    expect(tokenRef).toEqual({ name: monitor.spec.endpoints[0].authorization.credentials.name, key: monitor.spec.endpoints[0].authorization.credentials.key });
    for (const value of Object.values(exampleSecret.stringData)) expect(value === '' || value.includes('REPLACE-ME')).toBe(true);
    for (const o of [...builds.gpu, ...builds.cpu, ...builds.warmup]) expect(o.kind).not.toBe('Secret');
  });

  it('the HPA scales the Deployment on parakeet_queue_depth, the metric prometheus-adapter is told to serve', () => {
    for (const overlay of ['gpu', 'cpu'] as const) {
      const hpa = the(builds[overlay], 'HorizontalPodAutoscaler') as K8sObject & { spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number; metrics: Array<{ type: string; pods: { metric: { name: string } } }> } };
      expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: the(builds[overlay], 'Deployment').metadata.name });
      expect(hpa.spec.metrics.map((m) => [m.type, m.pods.metric.name])).toEqual([['Pods', 'parakeet_queue_depth']]);
      // The HPA owns the replica count; a Deployment `replicas` would be reset by every apply.
      expect(the(builds[overlay], 'Deployment').spec).not.toHaveProperty('replicas');
      // With one pod left a PodDisruptionBudget of maxUnavailable 1 still lets nodes drain.
      expect((the(builds[overlay], 'PodDisruptionBudget').spec as { maxUnavailable: number }).maxUnavailable).toBe(1);
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    }
    const values = readYamlDocuments(join(K8S, 'prometheus-adapter', 'values.yaml'))[0] as { rules: { custom: Array<{ seriesQuery: string; name: { as: string } }> } };
    const rule = values.rules.custom.find((r) => r.name.as === 'parakeet_queue_depth')!;
    expect(rule.seriesQuery).toMatch(/^parakeet_queue_depth\{/);
  });
});

describe('the running service answers what the manifests and the image expect', () => {
  let running: RunningApp;
  beforeAll(async () => {
    // The CPU overlay's environment (embedded model, CPU provider, example secrets), on a loopback port.
    const env = effectiveEnv('cpu');
    for (const k of ['PARAKEET_HOST', 'PARAKEET_PORT', 'PARAKEET_METRICS_DIR', 'PARAKEET_LOG_LEVEL']) delete env[k];
    if (!existsSync(env.PARAKEET_FFMPEG_PATH ?? '/')) delete env.PARAKEET_FFMPEG_PATH;
    running = await startApp(env);
  });
  afterAll(async () => running?.close());

  it('every probe path the manifests and the HEALTHCHECK use answers 200, without an API key', async () => {
    const paths = new Set<string>();
    for (const overlay of ['gpu', 'cpu'] as const) {
      const c = mainContainer(overlay);
      for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) paths.add(probe!.httpGet.path);
    }
    expect([...paths].sort()).toEqual(['/healthz', '/readyz']);
    for (const path of paths) {
      const res = await fetch(`${running.url}${path}`);
      expect([path, res.status]).toEqual([path, 200]);
    }
    expect(await (await fetch(`${running.url}/readyz`)).json()).toMatchObject({ ready: true });
    // The API itself does need one of the keys (the example Secret's, here).
    expect((await fetch(`${running.url}/v1/models`)).status).toBe(401);
  });

  it("the image's HEALTHCHECK command passes against the service and fails when nothing listens", async () => {
    // Run as a child process without blocking this one, which serves the requests it makes.
    const exitCode = (argv: string[], port: string) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, argv, { env: { PARAKEET_PORT: port }, stdio: 'ignore', timeout: 10_000 });
        child.on('exit', (code) => resolve(code));
      });
    for (const name of ['gpu', 'cpu']) {
      const [hc] = instructions(stage(name), 'HEALTHCHECK');
      const argv = JSON.parse(hc.args.slice(hc.args.indexOf('CMD') + 3).trim()) as string[];
      expect(argv.slice(0, 2)).toEqual(['node', '-e']);
      expect(argv[2]).toContain('/healthz');
      expect(await exitCode(argv.slice(1), new URL(running.url).port)).toBe(0);
      expect(await exitCode(argv.slice(1), '1')).toBe(1);
    }
  });

  it("the ServiceMonitor's scrape (path, Bearer token) gets the Prometheus text with the HPA's metric", async () => {
    const monitor = the(builds.cpu, 'ServiceMonitor') as K8sObject & { spec: { endpoints: Array<{ path: string; authorization: { credentials: { key: string } } }> } };
    const endpoint = monitor.spec.endpoints[0];
    expect((await fetch(`${running.url}${endpoint.path}`)).status).toBe(401);
    const token = exampleSecret.stringData[endpoint.authorization.credentials.key];
    const res = await fetch(`${running.url}${endpoint.path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const hpa = the(builds.cpu, 'HorizontalPodAutoscaler') as K8sObject & { spec: { metrics: Array<{ pods: { metric: { name: string } } }> } };
    expect(await res.text()).toMatch(new RegExp(`^${hpa.spec.metrics[0].pods.metric.name} \\d+$`, 'm'));
  });
});

describe('deploy/Dockerfile', () => {
  const text = readFileSync(DOCKERFILE, 'utf8');

  it('passes dockerfile-utils (every check as an error) and dockerfilelint (every rule), which do flag a broken file', () => {
    const all = { deprecatedMaintainer: 2, directiveCasing: 2, emptyContinuationLine: 2, instructionCasing: 2, instructionCmdMultiple: 2, instructionEntrypointMultiple: 2, instructionHealthcheckMultiple: 2, instructionJSONInSingleQuotes: 2, instructionWorkdirRelative: 2 } as const;
    expect(validateDockerfile(text, all).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
    expect(dockerfilelint(join(ROOT, 'deploy'), text).map((i) => `${i.line}: ${i.title}`)).toEqual([]);
    const broken = 'FROM node\nEXPOSE eighty\nRUNN true\nCMD node a.js\nCMD ["node", "b.js"]\n';
    expect(validateDockerfile(broken, all).length).toBeGreaterThanOrEqual(3);
    expect(dockerfilelint(join(ROOT, 'deploy'), broken).length).toBeGreaterThanOrEqual(2);
  });

  it('gpu: CUDA 12 + cuDNN 9 runtime, TensorRT 10 for that CUDA, onnxruntime-node installed for cuda12, CUDA_MODULE_LOADING=LAZY', () => {
    const gpu = stage('gpu');
    const cuda = /^nvidia\/cuda:(12\.\d+)\.\d+-cudnn-runtime-ubuntu\d+\.\d+$/.exec(gpu.from);
    expect(cuda).not.toBeNull();
    const trt = /TENSORRT_VERSION=10\.[\d.]+-1\+cuda(\d+\.\d+)/.exec(instructions(gpu, 'ARG').map((i) => i.args).join('\n'));
    expect(trt?.[1]).toBe(cuda![1]);
    expect(instructions(gpu, 'RUN')[0].args).toMatch(/libnvinfer10=\$\{TENSORRT_VERSION\}.*libnvinfer-plugin10=.*libnvonnxparsers10=/);
    expect(runInlineEnv(stage('deps-gpu')).ONNXRUNTIME_NODE_INSTALL).toBe('cuda12');
    expect(instructions(stage('deps-gpu'), 'RUN')[0].args).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci/);
    expect(instructions(gpu, 'COPY').map((i) => i.args)).toContain('--from=deps-gpu /src/node_modules ./node_modules');
    expect(stageEnv(gpu).CUDA_MODULE_LOADING).toBe('LAZY');
    // The CPU image does not carry the CUDA libraries.
    expect(runInlineEnv(stage('deps-cpu')).ONNXRUNTIME_NODE_INSTALL).toBe('skip');
  });

  it('cpu: slim Node 20 with Debian ffmpeg and the embedded model; every Node stage uses one tag', () => {
    const nodeTags = new Set(stages.filter((s) => s.from.startsWith('node:')).map((s) => s.from));
    expect([...nodeTags]).toEqual(['node:20-bookworm-slim']);
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node).toMatch(/^>=20\./);
    const cpu = stage('cpu');
    expect(cpu.from).toBe('node:20-bookworm-slim');
    expect(instructions(cpu, 'COPY').map((i) => i.args)).toContain('models/parakeet-tiny-en ./models/parakeet-tiny-en');
    for (const name of ['cpu', 'gpu']) expect(instructions(stage(name), 'RUN')[0].args).toMatch(/apt-get install -y --no-install-recommends\s.*\bffmpeg\b.*rm -rf \/var\/lib\/apt\/lists/);
  });

  it('final images: non-root numeric USER, volumes for models and logs, PARAKEET_HOST=0.0.0.0, and `node <SERVER_NODE_FLAGS> dist/src/main.js` as PID 1 (exec form, no shell), as `npm start` runs it', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(['node', ...SERVER_NODE_FLAGS, 'dist/src/main.js'].join(' '));
    for (const name of ['gpu', 'cpu']) {
      const s = stage(name);
      const [user] = instructions(s, 'USER').map((i) => i.args);
      expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
      const cmd = instructions(s, 'CMD');
      expect(cmd).toHaveLength(1);
      expect(JSON.parse(cmd[0].args)).toEqual(['node', ...SERVER_NODE_FLAGS, 'dist/src/main.js']);
      expect(instructions(s, 'ENTRYPOINT')).toEqual([]);
      expect(s.instructions.at(-1)!.keyword).toBe('CMD');
      expect(existsSync(join(ROOT, 'dist', 'src', 'main.js'))).toBe(true);
      const env = stageEnv(s);
      expect(env.PARAKEET_HOST).toBe('0.0.0.0');
      const volumes = JSON.parse(instructions(s, 'VOLUME')[0].args) as string[];
      const config = loadConfig(env);
      const app = workdir(s);
      expect(app).toBe('/app');
      for (const path of [posix.resolve(app, config.metricsDir), posix.resolve(app, config.cacheDir), config.trtEngineCache, config.trtTimingCache]) {
        expect([path, volumes.some((v) => path.startsWith(`${v}/`))]).toEqual([path, true]);
      }
      // What the service reads at run time from the project root besides dist/ and node_modules/.
      const copies = instructions(s, 'COPY').map((i) => i.args);
      expect(copies).toEqual(expect.arrayContaining(['package.json ./', 'src/web/public ./src/web/public', 'models/parakeet-tiny-en ./models/parakeet-tiny-en']));
    }
  });

  it('.dockerignore keeps every COPY source and leaves out dependencies, builds, logs, caches and tests', () => {
    const excluded = dockerignoreExcludes(join(ROOT, '.dockerignore'));
    const sources = stages.flatMap((s) => instructions(s, 'COPY').filter((i) => !i.args.startsWith('--from'))).flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(5);
    const files: string[] = [];
    const walk = (p: string) => (statSync(join(ROOT, p)).isDirectory() ? readdirSync(join(ROOT, p)).forEach((n) => walk(`${p}/${n}`)) : files.push(p));
    for (const src of sources) {
      expect([src, existsSync(join(ROOT, src))]).toEqual([src, true]);
      walk(src);
    }
    const dropped = files.filter((f) => excluded(f) && !f.endsWith('.spec.ts') && !f.startsWith('scripts/train/') && !f.startsWith('models/parakeet-tiny-en/sherpa/'));
    expect(dropped).toEqual([]);
    for (const f of ['src/main.ts', 'src/web/public/index.html', 'scripts/fetch-model.ts', 'scripts/purge.ts', 'models/parakeet-tiny-en/encoder-model.onnx', 'package-lock.json']) expect([f, excluded(f)]).toEqual([f, false]);
    for (const f of ['node_modules/ws/index.js', 'dist/src/main.js', 'logs/metrics/metrics.log', 'models/hub-cache/a--b/vocab.txt', 'models/parakeet-fp32/encoder-model.onnx', '.git/HEAD', 'test/deploy.e2e-spec.ts', 'src/config/load-config.spec.ts', 'scripts/train/train.py', '.train/x', 'README.md']) {
      expect([f, excluded(f)]).toEqual([f, true]);
    }
  });
});
