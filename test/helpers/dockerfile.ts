import { readFileSync } from 'node:fs';

/** One Dockerfile instruction, continuation lines joined. */
export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

/** Instructions grouped by stage (FROM … AS name). Comments and parser directives are dropped. */
export function parseDockerfile(path: string): Stage[] {
  const stages: Stage[] = [];
  let pending = '';
  let start = 0;
  readFileSync(path, 'utf8').split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) return;
    if (pending !== '' && line.startsWith('#')) return;
    if (pending === '') start = i + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const text = (pending + line).trim();
    pending = '';
    const [, keyword, args] = /^(\S+)\s*(.*)$/s.exec(text)!;
    const instruction = { keyword: keyword.toUpperCase(), args, line: start };
    if (instruction.keyword === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!m) throw new Error(`${path}:${start}: cannot read FROM ${args}`);
      stages.push({ name: m[2] ?? `stage-${stages.length}`, from: m[1], instructions: [] });
    } else {
      if (stages.length === 0) throw new Error(`${path}:${start}: ${keyword} before FROM`);
      stages[stages.length - 1].instructions.push(instruction);
    }
  });
  return stages;
}

/** ENV assignments of a stage (KEY=value forms, quotes removed). */
export function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.instructions.filter((x) => x.keyword === 'ENV')) {
    for (const m of i.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S+)/g)) env[m[1]] = m[2].replace(/^["']|["']$/g, '');
  }
  return env;
}

/** Variables set inline for a command in RUN (`NAME=value command`). */
export function runInlineEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.instructions.filter((x) => x.keyword === 'RUN')) {
    for (const m of i.args.matchAll(/(?:^|&&|;|\|\|)\s*((?:[A-Z_][A-Z0-9_]*=\S+\s+)+)/g)) {
      for (const a of m[1].trim().split(/\s+/)) {
        const [k, v] = a.split('=');
        env[k] = v;
      }
    }
  }
  return env;
}

/**
 * Docker's .dockerignore rules (moby patternmatcher): patterns are cleaned paths matched against the path and
 * each of its parent directories, `*` and `?` stay within one path element, `**` spans any number, `!`
 * re-includes, and the last matching pattern wins.
 */
export function dockerignoreExcludes(ignoreFile: string): (path: string) => boolean {
  const patterns = readFileSync(ignoreFile, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const body = (negate ? l.slice(1) : l).trim().replace(/^\/+/, '').replace(/\/+$/, '');
      const re = body
        .split('/')
        .map((part) => (part === '**' ? '(?:.*)' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
        .join('/')
        .replace(/\(\?:\.\*\)\//g, '(?:.*/)?');
      return { negate, regex: new RegExp(`^${re}$`) };
    });
  return (path: string) => {
    const parts = path.split('/');
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const p of patterns) if (candidates.some((c) => p.regex.test(c))) excluded = !p.negate;
    return excluded;
  };
}
