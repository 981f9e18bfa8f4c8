// The server's stdio message writer: vscode-jsonrpc's own StreamMessageWriter (headers, UTF-8,
// error events and write order are the library's), given a JSON encoder that writes a
// textDocument/publishDiagnostics notification from the UTF-8 JSON of each diagnostic kept since
// it was first written. Why: every edit of a large file republishes all its diagnostics
// (memcached.c: 178 of them, 176 KB of JSON), and stringifying them all again and encoding the
// text cost the main thread ~0.65 ms per edit (in-process; ~0.12 ms this way) plus a 176 KB
// string of garbage; after an edit most of them are the very same objects as in the previous publish
// (features/diagnostics.ts convertedDiagnostic), so their JSON is too.
// Every other message, and the rest of a publish, is JSON.stringify'd as before; the bytes written
// are the same as the default writer's.
import { format } from 'node:util';
import { createConnection, ProposedFeatures, StreamMessageWriter } from 'vscode-languageserver/node';
import type { Message, MessageReader, RemoteConsole } from 'vscode-languageserver/node';

const PUBLISH_DIAGNOSTICS = 'textDocument/publishDiagnostics';

/**
 * UTF-8 JSON by diagnostic object. Bytes rather than text: a publish is then one copy of each
 * (Buffer.concat) instead of joining ~170 KB of text and encoding it again. Only frozen objects
 * are kept: freezing is how their maker (convertedDiagnostic) says they never change, so the
 * bytes cannot go stale; any other object is stringified every time.
 */
const diagnosticBytes = new WeakMap<object, Uint8Array>();
const utf8 = new TextEncoder();
const COMMA = utf8.encode(',');

/** What the default encoder writes, Buffer.from(JSON.stringify(msg), charset), a publish's diagnostics from diagnosticBytes. */
export function messageBytes(msg: Message, charset: BufferEncoding): Uint8Array {
  const params = (msg as { method?: unknown; params?: unknown }).method === PUBLISH_DIAGNOSTICS ? (msg as { params?: unknown }).params : undefined;
  const plain = isPlainRecord(msg) && isPlainRecord(params) && Array.isArray(params.diagnostics) && !hasToJson(params.diagnostics);
  if (!plain || !isUtf8(charset)) return Buffer.from(JSON.stringify(msg), charset);
  const out = new JsonBytes();
  const diagnostics = params.diagnostics as unknown[];
  writeObject(out, msg, 'params', () => writeObject(out, params, 'diagnostics', () => writeDiagnostics(out, diagnostics)));
  return out.done();
}

/** Text and bytes in order; consecutive text is encoded at once. */
class JsonBytes {
  private readonly pieces: Uint8Array[] = [];
  private pending = '';

  text(text: string): void {
    this.pending += text;
  }

  bytes(bytes: Uint8Array): void {
    this.flush();
    this.pieces.push(bytes);
  }

  done(): Buffer {
    this.flush();
    return Buffer.concat(this.pieces);
  }

  private flush(): void {
    if (this.pending === '') return;
    this.pieces.push(this.pending === ',' ? COMMA : utf8.encode(this.pending));
    this.pending = '';
  }
}

/**
 * `{...}` with each own enumerable member in Object.keys order (JSON.stringify's), leaving out
 * those whose value has no JSON (undefined, functions, symbols) as JSON.stringify does; the member
 * `special` is written by `writeSpecial`.
 */
function writeObject(out: JsonBytes, object: Record<string, unknown>, special: string, writeSpecial: () => void): void {
  let separator = '{';
  for (const key of Object.keys(object)) {
    if (key === special) {
      out.text(`${separator}${JSON.stringify(key)}:`);
      writeSpecial();
    } else {
      const json = JSON.stringify(object[key]);
      if (json === undefined) continue;
      out.text(`${separator}${JSON.stringify(key)}:${json}`);
    }
    separator = ',';
  }
  out.text(separator === '{' ? '{}' : '}');
}

function writeDiagnostics(out: JsonBytes, diagnostics: readonly unknown[]): void {
  out.text('[');
  for (let i = 0; i < diagnostics.length; i++) {
    if (i > 0) out.text(',');
    const diagnostic = diagnostics[i];
    if (typeof diagnostic !== 'object' || diagnostic === null || !Object.isFrozen(diagnostic)) {
      out.text(JSON.stringify(diagnostic) ?? 'null');
      continue;
    }
    let bytes = diagnosticBytes.get(diagnostic);
    if (bytes === undefined) {
      bytes = utf8.encode(JSON.stringify(diagnostic));
      diagnosticBytes.set(diagnostic, bytes);
    }
    out.bytes(bytes);
  }
  out.text(']');
}

function isUtf8(charset: string): boolean {
  return charset === 'utf-8' || charset === 'utf8';
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !hasToJson(value);
}

/** An object with toJSON is written as whatever that returns: left to JSON.stringify. */
function hasToJson(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/** The writer over a stream, e.g. process.stdout; the same options as the library's default. */
export function cachedDiagnosticsWriter(output: NodeJS.WritableStream): StreamMessageWriter {
  return new StreamMessageWriter(output, {
    charset: 'utf-8',
    contentTypeEncoder: {
      name: 'application/json',
      encode: (msg, options) => {
        try {
          return Promise.resolve(messageBytes(msg, options.charset));
        } catch (error) {
          // As the default encoder: the writer reports it through onError and rejects the write.
          return Promise.reject(error);
        }
      },
    },
  });
}

const TRANSPORT_ARGUMENTS = ['--node-ipc', '--stdio', '--socket', '--pipe'];

/**
 * The transport vscode-languageserver takes from the command line: the first of its transport
 * arguments (lib/node/main.js, _createConnection), `--socket=N` and `--socket N` alike; undefined
 * when there is none (`--clientProcessId` is not one).
 */
export function transportArgument(args: readonly string[]): string | undefined {
  return args.map((a) => a.split('=')[0]).find((a) => TRANSPORT_ARGUMENTS.includes(a));
}

/** Whether vscode-languageserver would choose stdio from the command line. */
export function choosesStdio(args: readonly string[]): boolean {
  return transportArgument(args) === '--stdio';
}

/**
 * The connection vscode-languageserver makes for `--stdio`, with this writer. process.stdin goes
 * in as the stream itself, as the library's own stdio path does, so that it still reads it with its
 * StreamMessageReader and exits when stdin ends or closes (its overloads take a stream with a
 * stream, or a reader with a writer, hence the cast). What the library does only on its own stdio
 * path is done here: the console is sent to the client, since console output on stdout would
 * corrupt the messages.
 */
export function createStdioConnection() {
  const connection = createConnection(ProposedFeatures.all, process.stdin as unknown as MessageReader, cachedDiagnosticsWriter(process.stdout));
  consoleToClient(connection.console);
  return connection;
}

/** Console output to the client's log (window/logMessage), as vscode-languageserver does over stdio, console.info too. */
export function consoleToClient(remote: Pick<RemoteConsole, 'log' | 'warn' | 'error'>): void {
  const counts = new Map<string, number>();
  console.log = console.info = console.debug = (...args: unknown[]) => remote.log(format(...args));
  console.dir = (item: unknown) => remote.log(format('%O', item));
  console.warn = (...args: unknown[]) => remote.warn(format(...args));
  console.error = (...args: unknown[]) => remote.error(format(...args));
  console.trace = (...args: unknown[]) => remote.log(`Trace${args.length ? `: ${format(...args)}` : ''}\n${new Error().stack?.split('\n').slice(2).join('\n') ?? ''}`);
  console.assert = (condition?: unknown, ...args: unknown[]) => {
    if (!condition) remote.error(`Assertion failed${args.length ? `: ${format(...args)}` : ''}`);
  };
  console.count = (label = 'default') => {
    const count = (counts.get(label) ?? 0) + 1;
    counts.set(label, count);
    remote.log(`${label}: ${count}`);
  };
  console.countReset = (label = 'default') => void counts.delete(label);
}
