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

const specs: (EnvVarSpec & { declaredBy: number })[] = [];
const classes: unknown[] = [];

export function EnvVar(spec: Omit<EnvVarSpec, 'property'>): PropertyDecorator {
  return (target, property) => {
    if (!classes.includes(target.constructor)) classes.push(target.constructor);
    specs.push({ ...spec, property: String(property), declaredBy: classes.indexOf(target.constructor) });
  };
}

/**
 * Every variable, in declaration order, a schema class's own before those it inherits (a base class is
 * decorated first, but the main schema's variables should lead the table).
 */
export function envVarSpecs(): readonly EnvVarSpec[] {
  return [...specs].sort((a, b) => b.declaredBy - a.declaredBy).map(({ declaredBy: _, ...spec }) => spec);
}
