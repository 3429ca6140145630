import type { Socket } from 'node:net';

const coalesced = new WeakSet<Socket>();

/**
 * Makes everything written to `socket` during one event-loop turn leave in one system call: the first
 * write of a turn corks the socket, and a `setImmediate` uncorks it once the turn's I/O callbacks and
 * their promise chains have run (Node then sends the buffered commands with one `writev`).
 *
 * Why: ioredis writes each command to its socket on its own, one `write` syscall per command, and under
 * load a gateway or worker issues several commands per turn (appends of many jobs, takes, completions).
 * ioredis's auto-pipelining batches too, but holds a turn's commands until the previous batch is answered
 * and builds a pipeline per batch; it measured slower here (docs/benchmarks.md). Corking holds nothing past
 * the turn, and the order of commands on the connection is unchanged. But a command waits for the end of
 * the turn it was sent in, promise chains included: one sent early and awaited late in a long turn should
 * use a connection that does not coalesce (ConnectionTuning.coalesceWrites). `end()` flushes what is still corked (ioredis's disconnect
 * ends the socket), so a command sent just before a close is not lost.
 */
export function coalesceTurnWrites(socket: Socket): void {
  if (coalesced.has(socket)) return;
  coalesced.add(socket);
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  const write = socket.write.bind(socket) as (...args: Parameters<Socket['write']>) => boolean;
  socket.write = ((...args: Parameters<Socket['write']>): boolean => {
    if (!corked && !socket.destroyed) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    return write(...args);
  }) as Socket['write'];
}
