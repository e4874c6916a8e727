import { describe, expect, it } from '@jest/globals';
import { JOB_ID, newJobId } from './job-record.js';
import { webhookSignature } from './webhook-sender.js';

describe('job ids', () => {
  it('sort by creation time, so the listing pages by id alone', () => {
    const ids = [1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000].map((t) => newJobId(t));
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(JOB_ID);
    expect(newJobId(5)).not.toBe(newJobId(5));
  });
});

describe('webhook signatures', () => {
  it('cover the timestamp and the body', () => {
    const s = webhookSignature('k', '100', '{"a":1}');
    expect(s).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(webhookSignature('k', '101', '{"a":1}')).not.toBe(s);
    expect(webhookSignature('k', '100', '{"a":2}')).not.toBe(s);
    expect(webhookSignature('other', '100', '{"a":1}')).not.toBe(s);
  });
});
