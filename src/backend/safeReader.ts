// The backend's JSON-RPC framing reader, made to survive a misbehaving peer. vscode-jsonrpc's own reader drops a
// body that is not JSON with no answer, and a bad or wrong Content-Length leaves it deaf or out of step for good.
// This one answers each bad message with a JSON-RPC error (id null, as JSON-RPC 2.0 asks) and finds the next
// "Content-Length:" header to carry on from.
import type { Readable } from 'node:stream';
import { AbstractMessageReader, type DataCallback, Disposable, type Message, type StreamMessageWriter } from 'vscode-jsonrpc/node';

/** The largest message accepted (an experiment or a Markdown file travels in one). */
export const maxMessageBytes = 64 * 1024 * 1024;
/** A body still incomplete after this long, with another header inside it, had a Content-Length that was too large. */
const partialBodyMs = 1000;
const headerName = Buffer.from('Content-Length:');

export class SafeMessageReader extends AbstractMessageReader {
  private buffer: Buffer = Buffer.alloc(0);
  private partialTimer: NodeJS.Timeout | undefined;
  private callback: DataCallback | undefined;

  constructor(private readonly readable: Readable, private readonly writer: StreamMessageWriter) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.drain();
    };
    this.readable.on('data', onData);
    this.readable.on('error', (e: Error) => this.fireError(e));
    this.readable.on('close', () => this.fireClose());
    return Disposable.create(() => {
      this.readable.off('data', onData);
      clearTimeout(this.partialTimer);
    });
  }

  private answer(code: number, message: string): void {
    void this.writer.write({ jsonrpc: '2.0', id: null, error: { code, message } } as Message);
  }

  /** Drop bytes up to the next "Content-Length:" after `from` (or everything). */
  private resync(from: number): void {
    const next = this.buffer.indexOf(headerName, from);
    this.buffer = next < 0 ? Buffer.alloc(0) : this.buffer.subarray(next);
  }

  private drain(): void {
    clearTimeout(this.partialTimer);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) {
        if (this.buffer.length > 8192) { // no header is this long: garbage
          this.answer(-32700, 'Parse error: expected a "Content-Length: N" header');
          this.resync(1);
          continue;
        }
        return;
      }
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const length = /^content-length: *(\d+) *$/im.exec(header)?.[1];
      if (length === undefined || !header.toLowerCase().startsWith('content-')) {
        this.answer(-32700, `Parse error: bad header ${JSON.stringify(header.slice(0, 80))}: expected "Content-Length: N" (N the body's bytes)`);
        this.resync(1);
        continue;
      }
      if (Number(length) > maxMessageBytes) {
        this.answer(-32600, `Invalid Request: a body of ${length} bytes; at most ${maxMessageBytes} are accepted`);
        this.resync(headerEnd);
        continue;
      }
      const start = headerEnd + 4;
      const end = start + Number(length);
      if (this.buffer.length < end) {
        this.partialTimer = setTimeout(() => this.stalled(start), partialBodyMs);
        return;
      }
      const body = this.buffer.subarray(start, end);
      this.buffer = this.buffer.subarray(end);
      this.deliver(body);
    }
  }

  /** A body that never completes but holds another header: its Content-Length was too large. */
  private stalled(start: number): void {
    const inner = this.buffer.indexOf(headerName, start);
    if (inner < 0) return;
    this.answer(-32700, `Parse error: the body is shorter than its Content-Length; skipped to the next message`);
    this.resync(inner);
    this.drain();
  }

  private deliver(body: Buffer): void {
    const text = body.toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      this.answer(-32700, `Parse error: ${(e as Error).message} in ${JSON.stringify(text.slice(0, 80))}`);
      // a Content-Length too large swallowed the start of the next message (all of its header, or a part of
      // "Content-Length:"): read on from that header
      const inner = body.indexOf(headerName);
      const cut = inner >= 0 ? inner : splitHeaderAt(body, this.buffer);
      if (cut >= 0) this.buffer = Buffer.concat([body.subarray(cut), this.buffer]);
      return;
    }
    const m = value as { method?: unknown; id?: unknown; result?: unknown; error?: unknown } | null;
    const isMessage = typeof m === 'object' && m !== null && !Array.isArray(m) &&
      (typeof m.method === 'string' || ('id' in m && ('result' in m || 'error' in m)));
    if (!isMessage) {
      this.answer(-32600, `Invalid Request: expected a JSON-RPC 2.0 request, notification or response, got ${JSON.stringify(text.slice(0, 80))}`);
      return;
    }
    this.callback?.(value as Message);
  }
}

/** Where `body` ends with the first k bytes of "Content-Length:" and `rest` starts with the others; else -1. */
function splitHeaderAt(body: Buffer, rest: Buffer): number {
  for (let k = Math.min(headerName.length - 1, body.length); k > 0; k--) {
    if (body.subarray(body.length - k).equals(headerName.subarray(0, k)) && rest.subarray(0, headerName.length - k).equals(headerName.subarray(k))) return body.length - k;
  }
  return -1;
}
