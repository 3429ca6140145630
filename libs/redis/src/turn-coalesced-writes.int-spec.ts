import type { Socket } from 'node:net';
import Redis from 'ioredis';

import { parseGridConfig } from '@gridllm/config';

import { RedisServer } from '../../../test/support/redis-server';
import { waitFor } from '../../../test/support/wait-for';
import { ConnectionTuning, RedisConnectionFactory } from './redis-connection.factory';

const socketOf = (connection: Redis) => (connection as unknown as { stream: Socket }).stream;

describe('a connection that coalesces the writes of a turn (REDIS_COALESCE_WRITES)', () => {
  const server = new RedisServer();
  let admin: Redis;
  let factories: RedisConnectionFactory[] = [];

  /** A ready connection from a factory configured as the gateway and worker are. */
  async function connect(coalesce: 'true' | 'false', tuning: ConnectionTuning = {}): Promise<Redis> {
    const settings = parseGridConfig({
      REDIS_PORT: String(server.port),
      REDIS_COALESCE_WRITES: coalesce,
    }).redis;
    const factory = new RedisConnectionFactory(settings);
    factories.push(factory);
    const connection = factory.create('coalesce-spec', tuning) as Redis;
    await connection.ping();
    return connection;
  }

  /** Redis counts each read of a client socket: how many reads did `work` cost (the admin's INFO included)? */
  async function readsDuring(work: () => Promise<unknown>): Promise<number> {
    const reads = async () => Number(/total_reads_processed:(\d+)/.exec(await admin.info('stats'))?.[1]);
    const before = await reads();
    await work();
    return (await reads()) - before;
  }

  beforeAll(async () => {
    await server.start();
    admin = server.client();
  });

  afterEach(async () => {
    await Promise.all(factories.map((factory) => factory.onApplicationShutdown()));
    factories = [];
    await admin.flushall();
  });

  afterAll(async () => {
    admin.disconnect();
    await server.stop();
  });

  it('sends twenty commands of one turn in one write, answered in order', async () => {
    const connection = await connect('true');
    let replies: Array<string | null> = [];
    const reads = await readsDuring(async () => {
      const sets = Array.from({ length: 20 }, (_, i) => connection.set(`k${i}`, `v${i}`));
      const gets = Array.from({ length: 20 }, (_, i) => connection.get(`k${i}`));
      await Promise.all(sets);
      replies = await Promise.all(gets);
    });
    expect(replies).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`));
    // One read for the forty commands, one for the admin's INFO after them.
    expect(reads).toBe(2);
  });

  it('holds nothing past the turn: a command sent after an await leaves at once', async () => {
    const connection = await connect('true');
    const socket = socketOf(connection);
    const pending = connection.set('k', 'v');
    expect(socket.writableCorked).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(socket.writableCorked).toBe(0);
    await pending;
    expect(await admin.get('k')).toBe('v');
  });

  it('keeps coalescing on the new socket after a reconnect', async () => {
    const connection = await connect('true');
    const first = socketOf(connection);
    await admin.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await waitFor(
      'the reconnect',
      () => socketOf(connection) !== first && connection.status === 'ready',
      5000,
    );
    const reads = await readsDuring(() =>
      Promise.all(Array.from({ length: 20 }, (_, i) => connection.incr(`n${i % 2}`))),
    );
    expect(await admin.mget('n0', 'n1')).toEqual(['10', '10']);
    expect(reads).toBe(2);
  });

  it('delivers a command sent just before the connection is closed', async () => {
    const connection = await connect('true');
    void connection.set('last-word', 'kept');
    connection.disconnect();
    await waitFor('the last command', async () => (await admin.get('last-word')) === 'kept', 2000);
  });

  it('writes at once on a connection created with coalesceWrites: false (the rate count’s)', async () => {
    const connection = await connect('true', { coalesceWrites: false });
    const pending = connection.set('k', 'v');
    expect(socketOf(connection).writableCorked).toBe(0);
    await pending;
  });

  it('writes each command as it is sent with REDIS_COALESCE_WRITES=false', async () => {
    const connection = await connect('false');
    const pending = connection.set('k', 'v');
    expect(socketOf(connection).writableCorked).toBe(0);
    await pending;
    expect(await admin.get('k')).toBe('v');
  });
});
