// One implementation for the tests and bench:jobs.
export { freePort, startRedisChild as startRedis, type RedisChild as RedisServer } from '../../scripts/bench/redis-child.js';
