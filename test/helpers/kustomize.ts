import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as parsed from YAML. */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; [k: string]: unknown }; [k: string]: unknown };

/** Every YAML document of a file; a syntax error or a duplicate key throws, naming the file. */
export function readYamlDocuments(path: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'), { uniqueKeys: true, prettyErrors: true });
  return docs.map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS();
  }).filter((d) => d !== null && d !== undefined);
}

/**
 * Strategic-merge keys of the list fields these manifests patch (from the Kubernetes API's
 * x-kubernetes-patch-merge-key); any other list is replaced whole, as the API does for lists without one.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function strategicMerge(base: unknown, patch: unknown, field = ''): unknown {
  if (Array.isArray(patch)) {
    const key = MERGE_KEYS[field];
    if (!key || !Array.isArray(base)) return structuredClone(patch);
    const out = structuredClone(base) as Record<string, unknown>[];
    for (const item of patch as Record<string, unknown>[]) {
      const i = out.findIndex((o) => o[key] === item[key]);
      if (i >= 0) out[i] = strategicMerge(out[i], item) as Record<string, unknown>;
      else out.push(structuredClone(item));
    }
    return out;
  }
  if (!isObject(patch) || !isObject(base)) return structuredClone(patch);
  const out: Record<string, unknown> = structuredClone(base);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = k in out ? strategicMerge(out[k], v, k) : structuredClone(v);
  }
  return out;
}

/** The containers of a workload's pod template (Deployment, Job), or none. */
export function podContainers(obj: K8sObject): Record<string, unknown>[] {
  const spec = (obj.spec as { template?: { spec?: { containers?: unknown[]; initContainers?: unknown[] } } } | undefined)?.template?.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])] as Record<string, unknown>[];
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'components', 'patches', 'images']);

/**
 * A small kustomize for this repository's layout: `resources` (files or kustomization directories),
 * `components` (directories of kind Component, applied to what the resources built, before `patches`),
 * `patches` (strategic-merge patch files, targeted by kind and name) and `images` (newName, newTag, digest).
 * Any other kustomization field throws, so a manifest change that needs more is noticed here. Where a
 * kustomize binary (or kubectl) is installed, the deploy test checks that this agrees with it.
 */
export function kustomizeBuild(dir: string): K8sObject[] {
  return build(dir, 'Kustomization', []);
}

function build(dir: string, kind: 'Kustomization' | 'Component', inherited: K8sObject[]): K8sObject[] {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) throw new Error(`${dir}: no kustomization.yaml`);
  const [k] = readYamlDocuments(file) as Record<string, unknown>[];
  const unsupported = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length > 0) throw new Error(`${file}: fields ${unsupported.join(', ')} are not handled by test/helpers/kustomize.ts`);
  if (k.kind !== kind) throw new Error(`${file}: kind is ${String(k.kind)}, expected ${kind}`);
  let objects: K8sObject[] = [...inherited];
  for (const entry of (k.resources ?? []) as string[]) {
    const path = resolve(dir, entry);
    if (!existsSync(path)) throw new Error(`${file}: resource ${entry} does not exist`);
    const found = statSync(path).isDirectory() ? kustomizeBuild(path) : (readYamlDocuments(path) as K8sObject[]);
    for (const o of found) {
      if (objects.some((x) => x.kind === o.kind && x.metadata.name === o.metadata.name)) throw new Error(`${file}: ${o.kind}/${o.metadata.name} is defined twice`);
      objects.push(o);
    }
  }
  for (const entry of (k.components ?? []) as string[]) objects = build(resolve(dir, entry), 'Component', objects);
  for (const p of (k.patches ?? []) as Array<{ path?: string }>) {
    if (!p.path) throw new Error(`${file}: only path patches are handled`);
    for (const patch of readYamlDocuments(resolve(dir, p.path)) as K8sObject[]) {
      const i = objects.findIndex((o) => o.kind === patch.kind && o.metadata.name === patch.metadata.name);
      if (i < 0) throw new Error(`${file}: patch ${p.path} targets ${patch.kind}/${patch.metadata.name}, which no resource defines`);
      objects[i] = strategicMerge(objects[i], patch) as K8sObject;
    }
  }
  for (const image of (k.images ?? []) as Array<{ name: string; newName?: string; newTag?: string; digest?: string }>) {
    let used = false;
    objects = objects.map((o) => {
      for (const c of podContainers(o)) {
        const ref = String(c.image);
        const name = ref.replace(/@.*$/, '').replace(/:[^:/]+$/, '');
        if (name !== image.name) continue;
        used = true;
        const tag = image.digest ? `@${image.digest}` : image.newTag ? `:${image.newTag}` : ref.slice(name.length);
        c.image = `${image.newName ?? name}${tag}`;
      }
      return o;
    });
    if (!used) throw new Error(`${file}: image ${image.name} matches no container`);
  }
  return objects;
}

/** Order-independent form of a build, for comparing with another kustomize's output. */
export function normalizeBuild(objects: K8sObject[]): Record<string, unknown> {
  const sortLists = (v: unknown, field = ''): unknown => {
    if (Array.isArray(v)) {
      const items = v.map((x) => sortLists(x));
      const key = MERGE_KEYS[field];
      return key ? [...items].sort((a, b) => String((a as Record<string, unknown>)[key]).localeCompare(String((b as Record<string, unknown>)[key]))) : items;
    }
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sortLists(x, k)]));
    return v;
  };
  return Object.fromEntries(objects.map((o) => [`${o.kind}/${o.metadata.name}`, sortLists(o)]));
}
