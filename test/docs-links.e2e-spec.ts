import { describe, expect, it } from '@jest/globals';
import GithubSlugger from 'github-slugger';
import { Lexer, type Token, type Tokens } from 'marked';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = process.cwd();
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))];

/** Every link and image target of a Markdown file, as GitHub renders it (code blocks and spans hold none). */
function targets(markdown: string): string[] {
  const found: string[] = [];
  const walk = (tokens: Token[]) => {
    for (const t of tokens) {
      if (t.type === 'link' || t.type === 'image') found.push((t as Tokens.Link).href);
      const nested = t as { tokens?: Token[]; items?: Token[]; header?: { tokens: Token[] }[]; rows?: { tokens: Token[] }[][] };
      if (nested.tokens) walk(nested.tokens);
      if (nested.items) walk(nested.items);
      if (nested.header) for (const cell of nested.header) walk(cell.tokens);
      if (nested.rows) for (const row of nested.rows) for (const cell of row) walk(cell.tokens);
    }
  };
  walk(new Lexer().lex(markdown));
  return found;
}

/** The anchors GitHub gives a Markdown file's headings. */
function anchors(file: string): Set<string> {
  const slugger = new GithubSlugger();
  const tokens = new Lexer().lex(readFileSync(file, 'utf8')).filter((t): t is Tokens.Heading => t.type === 'heading');
  return new Set(tokens.map((t) => slugger.slug(t.text)));
}

describe('documentation links', () => {
  it.each(PAGES)('%s: every relative link names a file (and heading) that exists', (page) => {
    const broken: string[] = [];
    const links = targets(readFileSync(join(ROOT, page), 'utf8')).filter((href) => !/^[a-z][a-z0-9+.-]*:/i.test(href));
    for (const href of links) {
      const [path, anchor] = href.split('#');
      const file = path ? join(ROOT, dirname(page), decodeURIComponent(path)) : join(ROOT, page);
      if (!existsSync(file)) broken.push(`${href} (no ${relative(ROOT, file)})`);
      else if (anchor && statSync(file).isFile() && file.endsWith('.md') && !anchors(file).has(anchor)) broken.push(`${href} (no heading #${anchor})`);
      else if (!file.startsWith(ROOT)) broken.push(`${href} (outside the repository)`);
    }
    expect(broken).toEqual([]);
  });

  it('checks links in the README and every page in docs/', () => {
    expect(PAGES.length).toBeGreaterThanOrEqual(10);
    // The test itself must see links: the README links every topic page.
    expect(targets(readFileSync(join(ROOT, 'README.md'), 'utf8')).filter((h) => h.startsWith('docs/')).length).toBeGreaterThanOrEqual(10);
  });

  it('keeps the README a front door (at most 300 lines)', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(300);
  });
});
