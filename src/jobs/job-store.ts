import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.js';
import { FINAL, type JobRecord, type JobStatus } from './job-record.js';

const P = 'parakeet:jobs:';
const rec = (id: string) => `${P}rec:${id}`;
const byOwner = (owner: string) => `${P}owner:${owner}`;
const active = (owner: string) => `${P}active:${owner}`;
const ALL = `${P}all`;
/** Finished jobs scored by when they finished: the retention sweep reads the oldest from here. */
const FINISHED = `${P}finished`;

// One round trip each, so two replicas (or a retry) never see half a change.
const CREATE = `
if ARGV[4] == '1' then
  local prior = redis.call('GET', KEYS[5])
  if prior and redis.call('EXISTS', '${P}rec:' .. prior) == 1 then return {'existing', prior} end
end
if redis.call('SCARD', KEYS[4]) >= tonumber(ARGV[2]) then return {'quota', ''} end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
redis.call('SADD', KEYS[4], ARGV[1])
if ARGV[4] == '1' then redis.call('SET', KEYS[5], ARGV[1], 'EX', ARGV[3]) end
return {'created', ARGV[1]}`;

const START = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status or status == 'completed' or status == 'failed' or status == 'cancelled' then return status or false end
redis.call('HSET', KEYS[1], 'status', 'running', 'started_at', ARGV[1], 'replica', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
return 'running'`;

const FINISH = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status or status == 'completed' or status == 'failed' or status == 'cancelled' then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'finished_at', ARGV[2], unpack(ARGV, 5))
redis.call('SREM', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
return 1`;

// A run handed back before any of its work reached a lane: queued again as if never taken, attempt not counted.
const RELEASE = `
if redis.call('HGET', KEYS[1], 'status') ~= 'running' or redis.call('HGET', KEYS[1], 'replica') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'status', 'queued', 'progress', '0')
redis.call('HDEL', KEYS[1], 'started_at', 'replica')
redis.call('HINCRBY', KEYS[1], 'attempts', -1)
return 1`;

export type CreateOutcome = { kind: 'created' | 'existing'; id: string } | { kind: 'quota' };

/** Job records in Redis: one hash per job, the listing indexes, the queued-jobs quota and idempotency keys. */
@Injectable()
export class JobStore implements OnApplicationShutdown {
  /** Fails fast while Redis is away (no offline queue), so a submission answers 503 instead of hanging. */
  readonly redis: Redis;

  constructor(private readonly config: AppConfig) {
    this.redis = new Redis(config.redisUrl!, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
    this.redis.on('error', () => {});
  }

  get connected(): boolean {
    return this.redis.status === 'ready';
  }

  async create(record: JobRecord, idempotencyKey?: string): Promise<CreateOutcome> {
    const idem = idempotencyKey ? `${P}idem:${record.owner}:${idempotencyKey}` : `${P}idem:none`;
    const args = Object.entries(record).filter(([, v]) => v !== undefined).flat() as string[];
    const retentionS = Math.ceil(this.config.jobsRetentionH * 3600);
    const [kind, id] = (await this.redis.eval(CREATE, 5, rec(record.id), ALL, byOwner(record.owner), active(record.owner), idem, record.id, this.config.jobsMaxQueued, retentionS, idempotencyKey ? '1' : '0', ...args)) as [string, string];
    return kind === 'quota' ? { kind } : { kind: kind as 'created' | 'existing', id };
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const hash = await this.redis.hgetall(rec(id));
    return hash.id ? (hash as unknown as JobRecord) : undefined;
  }

  /** Marks a job running on this replica; answers the status it had instead when it is already final (or gone). */
  async start(id: string, replica: string): Promise<JobStatus | undefined> {
    return ((await this.redis.eval(START, 1, rec(id), new Date().toISOString(), replica)) as JobStatus | null) ?? undefined;
  }

  /** Undoes start() for a run of this replica's that is handed back (false when the job moved on meanwhile, e.g. cancelled). */
  async release(id: string, replica: string): Promise<boolean> {
    return (await this.redis.eval(RELEASE, 1, rec(id), replica)) === 1;
  }

  async setFields(id: string, fields: Partial<JobRecord>): Promise<void> {
    await this.redis.hset(rec(id), fields as Record<string, string>);
  }

  /** Moves a job to a final status once: false when it already had one (another replica, or a cancel, got there first). */
  async finish(id: string, owner: string, status: 'completed' | 'failed' | 'cancelled', fields: Partial<JobRecord> = {}): Promise<boolean> {
    const extra = Object.entries(fields).filter(([, v]) => v !== undefined).flat() as string[];
    return (await this.redis.eval(FINISH, 3, rec(id), active(owner), FINISHED, status, new Date().toISOString(), id, Date.now(), ...extra)) === 1;
  }

  /** Newest first, after the cursor (an id); `limit + 1` are read to tell whether more follow. */
  async list(owner: string | undefined, after: string | undefined, limit: number): Promise<{ records: JobRecord[]; hasMore: boolean }> {
    const ids = (await this.redis.zrange(owner ? byOwner(owner) : ALL, after ? `(${after}` : '+', '-', 'BYLEX', 'REV', 'LIMIT', 0, limit + 1)) as string[];
    const page = ids.slice(0, limit);
    const pipeline = this.redis.pipeline();
    for (const id of page) pipeline.hgetall(rec(id));
    const hashes = ((await pipeline.exec()) ?? []).map(([, h]) => h as unknown as JobRecord);
    return { records: hashes.filter((h) => h?.id), hasMore: ids.length > limit };
  }

  async remove(record: JobRecord): Promise<void> {
    await this.redis.multi().del(rec(record.id)).zrem(ALL, record.id).zrem(byOwner(record.owner), record.id).srem(active(record.owner), record.id).zrem(FINISHED, record.id).exec();
  }

  /** Ids of jobs that finished before `beforeMs`, oldest first. */
  async finishedBefore(beforeMs: number, count: number): Promise<string[]> {
    return this.redis.zrangebyscore(FINISHED, '-inf', beforeMs, 'LIMIT', 0, count);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
