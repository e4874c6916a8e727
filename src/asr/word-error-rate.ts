/** Lower-case words with punctuation dropped (apostrophes kept), as WER is usually scored. */
export function normalizeWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/** Levenshtein distance (substitutions + deletions + insertions) between two sequences: words, token ids, … */
export function editDistance<T>(reference: readonly T[], hypothesis: readonly T[]): number {
  let prev = Array.from({ length: hypothesis.length + 1 }, (_, j) => j);
  for (let i = 1; i <= reference.length; i++) {
    const row = [i];
    for (let j = 1; j <= hypothesis.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (reference[i - 1] === hypothesis[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[hypothesis.length];
}

/** Word-level edit distance between two texts, and the reference's word count. */
export function wordErrors(reference: string, hypothesis: string): { errors: number; words: number } {
  const ref = normalizeWords(reference);
  return { errors: editDistance(ref, normalizeWords(hypothesis)), words: ref.length };
}
