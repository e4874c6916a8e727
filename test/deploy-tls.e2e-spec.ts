import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { loadConfig } from '../src/config/load-config.js';
import { parseDockerfile, stageEnv } from './helpers/dockerfile.js';
import { kustomizeBuild, readYamlDocuments, type K8sObject } from './helpers/kustomize.js';
import { startServer, type ServerProcess } from './helpers/server-process.js';
import { TestPki } from './helpers/test-certificates.js';
import { httpsRequest } from './helpers/tls-client.js';

/**
 * The two ways to deploy with TLS (docs/tls.md): at the Ingress (ingress.example.yaml, pods unchanged) or in the pod
 * (components/tls-in-pod, used by overlays/cpu-tls and gpu-tls). test/deploy.e2e-spec.ts covers everything the
 * overlays share; this covers what the TLS component changes, and a real server run with the pod's settings.
 */
const K8S = join(process.cwd(), 'deploy', 'k8s');
const stages = parseDockerfile(join(process.cwd(), 'deploy', 'Dockerfile'));
const exampleSecret = readYamlDocuments(join(K8S, 'base', 'secret.example.yaml'))[0] as K8sObject & { stringData: Record<string, string> };
const certificate = readYamlDocuments(join(K8S, 'components', 'tls-in-pod', 'tls-secret.example.yaml'))[0] as K8sObject & { spec: { secretName: string; dnsNames: string[] } };
const ingress = readYamlDocuments(join(K8S, 'ingress.example.yaml'))[0] as K8sObject;

type Probe = { httpGet: { path: string; port: string | number; scheme?: string } };
type Container = {
  name: string;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { key: string } } }>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean; subPath?: string }>;
} & Record<'startupProbe' | 'readinessProbe' | 'livenessProbe', Probe>;
type Monitor = { spec: { endpoints: Array<{ port: string; path: string; scheme?: string; tlsConfig?: { serverName: string; ca: { secret: { name: string; key: string } } }; authorization: { credentials: { key: string } } }> } };

const builds: Record<string, K8sObject[]> = {};
const the = (overlay: string, kind: string) => builds[overlay].find((o) => o.kind === kind)!;
const podSpec = (overlay: string) => (the(overlay, 'Deployment').spec as { template: { spec: { containers: Container[]; volumes: Array<{ name: string; secret?: { secretName: string; defaultMode?: number } }> } } }).template.spec;
const container = (overlay: string) => podSpec(overlay).containers.find((c) => c.name === 'parakeet')!;
const probes = (c: Container) => [c.startupProbe, c.readinessProbe, c.livenessProbe];

beforeAll(() => {
  for (const overlay of ['cpu', 'gpu', 'cpu-tls', 'gpu-tls']) builds[overlay] = kustomizeBuild(join(K8S, 'overlays', overlay));
});

describe('deploy/k8s with TLS', () => {
  it('the TLS overlays build the same objects as their plain ones, valid against the Kubernetes schemas', () => {
    const ids = (objects: K8sObject[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(ids(builds['cpu-tls'])).toEqual(ids(builds.cpu));
    expect(ids(builds['gpu-tls'])).toEqual(ids(builds.gpu));
    for (const overlay of ['cpu-tls', 'gpu-tls']) {
      new Deployment(the(overlay, 'Deployment') as never).validate();
      new Service(the(overlay, 'Service') as never).validate();
      new ServiceMonitor(the(overlay, 'ServiceMonitor') as never).validate();
    }
    new Ingress(ingress as never).validate();
  });

  it('in the pod: the Secret mounted whole and read-only, the variables pointing into it, HTTPS probes, and nothing else changed', () => {
    for (const [plain, tls] of [['cpu', 'cpu-tls'], ['gpu', 'gpu-tls']]) {
      const c = container(tls);
      const mount = c.volumeMounts!.find((m) => m.name === 'tls')!;
      expect(mount).toEqual({ name: 'tls', mountPath: '/etc/parakeet/tls', readOnly: true }); // no subPath: it would never see a renewal
      expect(podSpec(tls).volumes.find((v) => v.name === 'tls')!.secret).toEqual({ secretName: certificate.spec.secretName, defaultMode: 0o440 });
      const env = Object.fromEntries(c.env!.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
      expect([env.PARAKEET_TLS_CERT_FILE, env.PARAKEET_TLS_KEY_FILE]).toEqual([`${mount.mountPath}/tls.crt`, `${mount.mountPath}/tls.key`]);
      expect(probes(c).map((p) => p.httpGet.scheme)).toEqual(['HTTPS', 'HTTPS', 'HTTPS']);
      expect(probes(container(plain)).map((p) => p.httpGet.scheme)).toEqual([undefined, undefined, undefined]);
      // Apart from those, the pod is the plain overlay's.
      const strip = (ct: Container) => ({ ...ct, env: ct.env!.filter((e) => !e.name.startsWith('PARAKEET_TLS_')), volumeMounts: ct.volumeMounts!.filter((m) => m.name !== 'tls'), ...Object.fromEntries((['startupProbe', 'readinessProbe', 'livenessProbe'] as const).map((k) => [k, { ...ct[k], httpGet: { ...ct[k].httpGet, scheme: undefined } }])) });
      expect(strip(c)).toEqual(strip(container(plain)));
      expect((the(tls, 'Service').spec as { ports: Array<{ appProtocol?: string }> }).ports.map((p) => p.appProtocol)).toEqual(['https']);
    }
  });

  it("the ServiceMonitor scrapes over https, checking a name the example Certificate carries against the Secret's CA", () => {
    const [endpoint] = (the('cpu-tls', 'ServiceMonitor') as K8sObject & Monitor).spec.endpoints;
    expect(endpoint.scheme).toBe('https');
    expect(endpoint.tlsConfig!.ca.secret).toEqual({ name: certificate.spec.secretName, key: 'ca.crt' });
    expect(certificate.spec.dnsNames).toContain(endpoint.tlsConfig!.serverName);
    expect(endpoint.authorization.credentials.key in exampleSecret.stringData).toBe(true);
  });

  it('at the Ingress: the example routes the public host to the Service port by name, with its own TLS Secret', () => {
    const spec = ingress.spec as { tls: Array<{ hosts: string[]; secretName: string }>; rules: Array<{ host: string; http: { paths: Array<{ backend: { service: { name: string; port: { name: string } } } }> } }> };
    const service = the('cpu', 'Service') as K8sObject & { spec: { ports: Array<{ name: string }> } };
    expect(spec.tls[0].hosts).toEqual([spec.rules[0].host]);
    expect(spec.rules[0].http.paths[0].backend.service).toEqual({ name: service.metadata.name, port: { name: service.spec.ports[0].name } });
    // Realtime sessions outlive nginx's default 60 s read timeout.
    expect(Number((ingress.metadata.annotations as Record<string, string>)['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(600);
  });
});

describe('a server with the TLS pod settings answers its probes, the scrape and the HEALTHCHECK', () => {
  let pki: TestPki;
  let server: ServerProcess;
  let url: string;
  let mountDir: string;

  beforeAll(async () => {
    pki = new TestPki();
    // What cert-manager writes into the Secret: tls.crt with the chain, tls.key, ca.crt.
    const leaf = pki.issue('pod', [...certificate.spec.dnsNames, 'localhost', '127.0.0.1']);
    mountDir = pki.path('mount');
    mkdirSync(mountDir);
    writeFileSync(join(mountDir, 'tls.crt'), readFileSync(leaf.certFile, 'utf8') + readFileSync(pki.intermediateFile, 'utf8'));
    writeFileSync(join(mountDir, 'tls.key'), readFileSync(leaf.keyFile));
    writeFileSync(join(mountDir, 'ca.crt'), pki.root);
    // The CPU image's environment, then the container's (secrets from the example), the mount path mapped here.
    const env: Record<string, string> = { ...stageEnv(stages.find((s) => s.name === 'cpu')!) };
    const mountPath = container('cpu-tls').volumeMounts!.find((m) => m.name === 'tls')!.mountPath;
    for (const e of container('cpu-tls').env!) {
      const key = e.valueFrom?.secretKeyRef?.key;
      if (e.value !== undefined) env[e.name] = e.value.replace(mountPath, mountDir);
      else if (key) env[e.name] = exampleSecret.stringData[key];
    }
    for (const k of ['PARAKEET_HOST', 'PARAKEET_PORT', 'PARAKEET_METRICS_DIR', 'PARAKEET_FFMPEG_PATH', 'PARAKEET_MODEL_DIR']) delete env[k];
    expect(() => loadConfig(env)).not.toThrow();
    server = startServer(env);
    url = await server.url;
  });
  afterAll(async () => {
    await server?.stop();
    pki?.remove();
  });

  it('probes as the kubelet sends them (HTTPS, unverified) answer 200 once the model is warm', async () => {
    expect(url).toMatch(/^https:/);
    const c = container('cpu-tls');
    const until = Date.now() + 60000;
    while ((await httpsRequest(`${url}/readyz`, null)).status !== 200 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    for (const probe of probes(c)) expect([probe.httpGet.path, (await httpsRequest(`${url}${probe.httpGet.path}`, null)).status]).toEqual([probe.httpGet.path, 200]);
  });

  it("the ServiceMonitor's scrape verifies serverName against ca.crt and reads the certificate expiry", async () => {
    const [endpoint] = (the('cpu-tls', 'ServiceMonitor') as K8sObject & Monitor).spec.endpoints;
    const ca = readFileSync(join(mountDir, endpoint.tlsConfig!.ca.secret.key), 'utf8');
    const token = exampleSecret.stringData[endpoint.authorization.credentials.key];
    const scrape = await httpsRequest(`${url}${endpoint.path}`, ca, { servername: endpoint.tlsConfig!.serverName, headers: { authorization: `Bearer ${token}` } });
    expect(scrape.status).toBe(200);
    expect(scrape.body).toMatch(/^parakeet_tls_certificate_expiry_timestamp_seconds\{source="files"\} \d+$/m);
    await expect(httpsRequest(`${url}${endpoint.path}`, ca, { servername: 'not-in-the-certificate' })).rejects.toThrow(/altnames/);
  });

  it("the image's HEALTHCHECK speaks https when the TLS variables are set, and fails over plain http against a TLS port", async () => {
    const [hc] = stages.find((s) => s.name === 'cpu')!.instructions.filter((i) => i.keyword === 'HEALTHCHECK');
    const argv = (JSON.parse(hc.args.slice(hc.args.indexOf('CMD') + 3).trim()) as string[]).slice(1);
    const exitCode = (env: Record<string, string>) =>
      new Promise<number | null>((resolve) => spawn(process.execPath, argv, { env, stdio: 'ignore', timeout: 10_000 }).on('exit', (code) => resolve(code)));
    const port = new URL(url).port;
    expect(await exitCode({ PARAKEET_PORT: port, PARAKEET_TLS_CERT_FILE: '/etc/parakeet/tls/tls.crt' })).toBe(0);
    expect(await exitCode({ PARAKEET_PORT: port })).toBe(1);
  });
});
