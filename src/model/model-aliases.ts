/**
 * onnx-asr's model names are aliases, not repositories: `nemo-parakeet-tdt-0.6b-v2` has to be mapped to
 * the repository that holds its ONNX export before anything can be downloaded. One table, used by the
 * service's hub start-up and by `npm run fetch-model`.
 */
export const MODEL_ALIASES: Readonly<Record<string, string>> = {
  'nemo-parakeet-tdt-0.6b-v2': 'istupakov/parakeet-tdt-0.6b-v2-onnx',
  'nemo-parakeet-tdt-0.6b-v3': 'istupakov/parakeet-tdt-0.6b-v3-onnx',
};

export class UnknownModelIdError extends Error {
  override name = 'UnknownModelIdError';
}

/** The hub repository for a model id: an alias from the table, or an `owner/name` repository as is. */
export function repositoryFor(id: string): string {
  const trimmed = id.trim();
  const alias = MODEL_ALIASES[trimmed];
  if (alias) return alias;
  if (/^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/.test(trimmed)) return trimmed;
  throw new UnknownModelIdError(
    `model id "${id}" is neither a known alias (${Object.keys(MODEL_ALIASES).join(', ')}) nor an owner/name repository`,
  );
}

/** The repositories to try, in order, without repeating one (the default id and fallback are the same repository). */
export function repositoriesToTry(ids: string[]): string[] {
  return [...new Set(ids.map(repositoryFor))];
}
