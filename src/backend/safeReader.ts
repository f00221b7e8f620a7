// vscode-jsonrpc's reader drops a body that is not JSON (or not a JSON-RPC message) with no answer. JSON-RPC 2.0
// asks for an error response with id null; this reader sends it and lets the connection carry on.
import type { Readable } from 'node:stream';
import { Message, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';

// '$/' notifications without a handler are ignored by the connection: a harmless stand-in for a bad message.
const ignored: Message = { jsonrpc: '2.0', method: '$/gradientLab/malformed' } as Message;

export class SafeMessageReader extends StreamMessageReader {
  constructor(readable: Readable, writer: StreamMessageWriter) {
    const answer = (code: number, message: string) => void writer.write({ jsonrpc: '2.0', id: null, error: { code, message } } as Message);
    super(readable, {
      contentTypeDecoder: {
        name: 'application/json',
        async decode(buffer: Uint8Array, options: { charset: string }): Promise<Message> {
          const text = new TextDecoder(options.charset as 'utf-8').decode(buffer);
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch (e) {
            answer(-32700, `Parse error: ${(e as Error).message} in ${JSON.stringify(text.slice(0, 80))}`);
            return ignored;
          }
          const m = value as { method?: unknown; id?: unknown; result?: unknown; error?: unknown } | null;
          const isMessage = typeof m === 'object' && m !== null && !Array.isArray(m) &&
            (typeof m.method === 'string' || ('id' in m && ('result' in m || 'error' in m)));
          if (!isMessage) {
            answer(-32600, `Invalid Request: expected a JSON-RPC 2.0 request, notification or response, got ${JSON.stringify(text.slice(0, 80))}`);
            return ignored;
          }
          return value as Message;
        },
      },
    });
  }
}
