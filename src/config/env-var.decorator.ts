/**
 * Registry of documented environment variables. The schema class declares each variable once, with its
 * default and description, so that loading, validation and the table in docs/configuration.md all come from one place.
 */
export type EnvKind = 'int' | 'int-or-auto' | 'number' | 'bool' | 'string' | 'enum' | 'optional-string';

export interface EnvVarSpec {
  /** Property name on the schema class. */
  property: string;
  /** Environment variable name. */
  name: string;
  kind: EnvKind;
  /** Default as a user would write it in the environment; undefined means "unset". */
  default?: string;
  description: string;
  values?: readonly string[];
}

const specs: EnvVarSpec[] = [];

export function EnvVar(spec: Omit<EnvVarSpec, 'property'>): PropertyDecorator {
  return (_target, property) => {
    specs.push({ ...spec, property: String(property) });
  };
}

export function envVarSpecs(): readonly EnvVarSpec[] {
  return specs;
}
