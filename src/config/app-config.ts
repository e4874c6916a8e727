import { EnvironmentVariables } from './env.schema.js';

/**
 * The validated configuration, injected wherever a setting is needed. Subclassing the schema keeps one
 * definition of every field while giving Nest a class token to inject.
 */
export class AppConfig extends EnvironmentVariables {}
