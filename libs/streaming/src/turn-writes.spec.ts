import { TurnWrites } from './turn-writes';

class FakeSocket {
  readonly log: string[] = [];
  readonly writes: string[] = [];
  writableEnded = false;
  private depth = 0;
  private held: string[] = [];

  write(chunk: string): boolean {
    if (this.writableEnded) throw new Error('write after end');
    this.writes.push(chunk);
    if (this.depth > 0) this.held.push(chunk);
    else this.log.push(`send ${chunk}`);
    return true;
  }

  cork(): void {
    this.depth += 1;
  }

  uncork(): void {
    this.depth -= 1;
    if (this.depth === 0 && this.held.length > 0) {
      this.log.push(`send ${this.held.join('')}`);
      this.held = [];
    }
  }
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe(TurnWrites.name, () => {
  it('sends the writes of one turn, promise chains included, in one go', async () => {
    const socket = new FakeSocket();
    const sut = new TurnWrites(socket);
    sut.write('a\n');
    await Promise.resolve();
    sut.write('b\n');
    await Promise.resolve().then(() => sut.write('c\n'));
    expect(socket.log).toEqual([]);
    await nextTurn();
    expect(socket.log).toEqual(['send a\nb\nc\n']);
  });

  it('sends a lone write in the turn it was made, and later turns separately', async () => {
    const socket = new FakeSocket();
    const sut = new TurnWrites(socket);
    sut.write('a\n');
    await new Promise<void>((resolve) => process.nextTick(resolve));
    expect(socket.log).toEqual(['send a\n']);
    await nextTurn();
    sut.write('b\n');
    await nextTurn();
    expect(socket.log).toEqual(['send a\n', 'send b\n']);
  });

  it("joins the turn's writes after its first into one write of the response", async () => {
    const socket = new FakeSocket();
    const sut = new TurnWrites(socket);
    sut.write('a\n');
    sut.write('b\n');
    await Promise.resolve().then(() => sut.write('c\n'));
    await nextTurn();
    expect(socket.writes).toEqual(['a\n', 'b\nc\n']);
    expect(socket.log).toEqual(['send a\nb\nc\n']);
  });

  it('flushes what the turn holds at once, for a response about to end, and only once', async () => {
    const socket = new FakeSocket();
    const sut = new TurnWrites(socket);
    sut.write('a\n');
    sut.write('b\n');
    sut.flush();
    expect(socket.log).toEqual(['send a\nb\n']);
    socket.writableEnded = true;
    await nextTurn();
    expect(socket.log).toEqual(['send a\nb\n']);
  });

  it('drops what the turn holds when someone else ended the response', async () => {
    const socket = new FakeSocket();
    const sut = new TurnWrites(socket);
    sut.write('a\n');
    sut.write('b\n');
    socket.writableEnded = true;
    await nextTurn();
    expect(socket.writes).toEqual(['a\n']);
  });

  it('ends the turn and uncorks even when its first write threw', async () => {
    const socket = new FakeSocket();
    const sut = new TurnWrites(socket);
    socket.writableEnded = true;
    expect(() => sut.write('a\n')).toThrow('write after end');
    await nextTurn();
    socket.writableEnded = false;
    sut.write('b\n');
    await nextTurn();
    expect(socket.log).toEqual(['send b\n']);
  });

  it('uncorks even when the joined write throws', () => {
    const socket = new FakeSocket();
    const sut = new TurnWrites(socket);
    sut.write('a\n');
    sut.write('b\n');
    const write = socket.write.bind(socket);
    socket.write = () => {
      throw new Error('socket gone');
    };
    expect(() => sut.flush()).toThrow('socket gone');
    socket.write = write;
    expect(socket.log).toEqual(['send a\n']);
  });

  it('writes straight through a response that cannot cork', () => {
    const written: string[] = [];
    new TurnWrites({ write: (chunk) => written.push(chunk) > 0 }).write('x\n');
    expect(written).toEqual(['x\n']);
  });
});
