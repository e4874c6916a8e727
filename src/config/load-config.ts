import { validateSync } from 'class-validator';
import { EnvironmentVariables } from './env.schema.js';
import { envVarSpecs, type EnvVarSpec } from './env-var.decorator.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/** Converts one raw value; returns a string describing the problem instead of throwing. */
function convert(spec: EnvVarSpec, raw: string): unknown | { problem: string } {
  const value = raw.trim();
  switch (spec.kind) {
    case 'int-or-auto':
      if (value.toLowerCase() === 'auto') return 'auto';
    // falls through: anything else must be an integer
    case 'int': {
      if (!/^[+-]?\d+$/.test(value)) return { problem: `${spec.name}=${JSON.stringify(raw)} is not an integer${spec.kind === 'int-or-auto' ? ' or auto' : ''}` };
      return Number(value);
    }
    case 'number': {
      const n = Number(value);
      if (value === '' || !Number.isFinite(n)) return { problem: `${spec.name}=${JSON.stringify(raw)} is not a number` };
      return n;
    }
    case 'bool': {
      const lower = value.toLowerCase();
      if (TRUE.has(lower)) return true;
      if (FALSE.has(lower)) return false;
      return { problem: `${spec.name}=${JSON.stringify(raw)} is not a boolean (use 1/0, true/false)` };
    }
    case 'optional-string':
      // Kept verbatim: an empty PARAKEET_MODEL_DIR means something different from an unset one.
      return raw;
    default:
      return value;
  }
}

function isProblem(v: unknown): v is { problem: string } {
  return typeof v === 'object' && v !== null && 'problem' in v;
}

/**
 * Builds the validated configuration from an environment. Throws ConfigError naming every bad variable.
 */
export function loadConfig(env: Record<string, string | undefined>): EnvironmentVariables {
  const config = new EnvironmentVariables() as unknown as Record<string, unknown>;
  const problems: string[] = [];
  const byProperty = new Map<string, EnvVarSpec>();
  for (const spec of envVarSpecs()) {
    byProperty.set(spec.property, spec);
    const raw = env[spec.name] ?? spec.default;
    if (raw === undefined) continue;
    const value = convert(spec, raw);
    if (isProblem(value)) problems.push(value.problem);
    else config[spec.property] = value;
  }
  if (problems.length === 0) {
    for (const error of validateSync(config as object)) {
      const spec = byProperty.get(error.property);
      const name = spec?.name ?? error.property;
      const shown = env[name] ?? spec?.default;
      const allowed = spec?.values ? ` (allowed: ${spec.values.join(', ')})` : '';
      const why = Object.values(error.constraints ?? {}).join('; ');
      problems.push(`${name}=${JSON.stringify(shown)} is invalid${allowed}: ${why}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config as unknown as EnvironmentVariables;
}
