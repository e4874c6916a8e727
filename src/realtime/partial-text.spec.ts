import { describe, expect, it } from '@jest/globals';
import { PartialText } from './partial-text.js';

describe('PartialText', () => {
  it('releases words two partials agree on, never the last one, as append-only deltas', () => {
    const p = new PartialText();
    expect(p.next('the quick')).toBe('');
    expect(p.next('the quick brow')).toBe('the quick');
    expect(p.next('the quick brown fox')).toBe('');
    expect(p.next('the quick brown fox jumps')).toBe(' brown fox');
    expect(p.finish('the quick brown fox jumps over')).toBe(' jumps over');
    expect(p.emitted).toBe('the quick brown fox jumps over');
  });

  it('sends nothing more when a later transcript contradicts released words', () => {
    const p = new PartialText();
    p.next('i scream');
    expect(p.next('i scream for')).toBe('i scream');
    expect(p.next('ice cream for you')).toBe('');
    expect(p.finish('ice cream for you')).toBe('');
    expect(p.emitted).toBe('i scream');
  });

  it('does not treat a longer word as an extension of a released one', () => {
    const p = new PartialText();
    p.next('cat sat');
    expect(p.next('cat sat on')).toBe('cat sat');
    expect(p.finish('cat satisfied')).toBe('');
  });

  it('gives the whole final text when no partial was released', () => {
    expect(new PartialText().finish(' hello world ')).toBe('hello world');
  });
});
