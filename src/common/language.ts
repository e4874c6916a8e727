/** Language codes clients send for English; the models served here are English-only. */
const ENGLISH = new Set(['en', 'eng', 'english', 'en-us', 'en-gb']);

export function isEnglish(code: string): boolean {
  return ENGLISH.has(code.toLowerCase());
}
