import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { PassThrough, Writable } from 'node:stream';
import { StreamMessageWriter, type Message, type MessageWriter } from 'vscode-languageserver/node';
import { Severity, type AnalysisDiagnostic } from '../../server/src/analysis/model';
import { cachedDiagnosticsWriter, choosesStdio, consoleToClient, messageBytes, transportArgument } from '../../server/src/cachedDiagnosticsWriter';
import { convertedDiagnostic } from '../../server/src/features/diagnostics';
import { SERVER_JS } from './lspClient';

const LIMIT = { timeout: 60_000 };
const messageJson = (message: Message) => Buffer.from(messageBytes(message, 'utf-8')).toString('utf8');
const URI = 'file:///w/server.c';
const convert = { relatedInformation: true, clientUri: (file: string) => file };

function analysisDiagnostic(line: number, message: string, related = false): AnalysisDiagnostic {
  const range = { start: { line, character: 2 }, end: { line, character: 9 } };
  return {
    file: URI,
    range,
    severity: Severity.Warning,
    code: 'unbounded-loop',
    message,
    ...(related ? { related: [{ location: { file: 'file:///w/main.c', range }, message: 'called from handle here' }] } : {}),
    data: { fixes: [{ fix: 'mark-skip', functionName: 'scan', insertAt: { line, character: 0 } }] },
  };
}

function publish(diagnostics: unknown[], version?: number): Message {
  return { jsonrpc: '2.0', method: 'textDocument/publishDiagnostics', params: { uri: URI, version, diagnostics } } as Message;
}

/** Everything a writer writes for the messages, one after the other. */
async function written(makeWriter: (output: NodeJS.WritableStream) => MessageWriter, messages: Message[]): Promise<Buffer> {
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (chunk: Buffer) => chunks.push(chunk));
  const writer = makeWriter(output);
  for (const message of messages) await writer.write(message);
  return Buffer.concat(chunks);
}

/** Splits `Content-Length: N\r\n\r\n` + N bytes frames, checking each header against the bytes that follow. */
function framesOf(bytes: Buffer): unknown[] {
  const messages: unknown[] = [];
  let at = 0;
  while (at < bytes.length) {
    const headerEnd = bytes.indexOf('\r\n\r\n', at);
    assert.ok(headerEnd > at, 'a header ends with an empty line');
    const header = bytes.subarray(at, headerEnd).toString('ascii');
    const length = /^Content-Length: (\d+)$/.exec(header);
    assert.ok(length, `one Content-Length header, got ${JSON.stringify(header)}`);
    const body = bytes.subarray(headerEnd + 4, headerEnd + 4 + Number(length[1]));
    assert.equal(body.length, Number(length[1]), 'the body is as long as Content-Length says');
    messages.push(JSON.parse(body.toString('utf8')));
    at = headerEnd + 4 + body.length;
  }
  return messages;
}

test('a sequence of messages is written exactly as the default writer writes it, and parses back to the messages', async () => {
  const kept = [0, 1, 2].map((i) => convertedDiagnostic(analysisDiagnostic(i, `loop ${i} has no bound`, i === 1), convert));
  const fresh = convertedDiagnostic(analysisDiagnostic(7, 'a new one'), convert);
  const nonAscii = convertedDiagnostic(analysisDiagnostic(3, 'Schleife ohne Grenze — größer als 𝛼 ✓'), convert);
  const messages: Message[] = [
    { jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: 1, rootUri: null, capabilities: {} } } as Message,
    { jsonrpc: '2.0', id: 1, result: { capabilities: { hoverProvider: true } } } as Message,
    publish(kept, 1),
    { jsonrpc: '2.0', method: 'window/logMessage', params: { type: 3, message: 'größer: ünïcødé 🚀' } } as Message,
    // Reuses two of the first publish's objects, in another order, with new ones and a plain (unfrozen) one.
    publish([kept[2], fresh, kept[0], nonAscii, { range: kept[0].range, message: 'plain', severity: 1 }], 2),
    // Without a version: the member is left out, as JSON.stringify leaves out undefined.
    publish([kept[1]]),
    publish([], 3),
    { jsonrpc: '2.0', id: 2, error: { code: -32601, message: 'Unhandled method' } } as Message,
    { jsonrpc: '2.0', method: '$/progress', params: { token: 't', value: { kind: 'end' } } } as Message,
  ];
  const ours = await written(cachedDiagnosticsWriter, messages);
  const theirs = await written((output) => new StreamMessageWriter(output), messages);
  assert.equal(ours.toString('utf8'), theirs.toString('utf8'));
  assert.ok(ours.equals(theirs), 'the same bytes');
  assert.deepEqual(framesOf(ours), JSON.parse(JSON.stringify(messages)));
  // Non-ASCII text: Content-Length counts UTF-8 bytes, not characters (framesOf checks each).
  assert.ok(ours.length > ours.toString('utf8').length);
});

test('a new diagnostic object gets its own text, never the one of an object written before', () => {
  const first = convertedDiagnostic(analysisDiagnostic(4, 'first'), convert);
  assert.ok(messageJson(publish([first], 1)).includes('"first"'));
  // The same place, another object: its text, not the cached one of the object before.
  const second = convertedDiagnostic(analysisDiagnostic(4, 'second'), convert);
  const text = messageJson(publish([second], 2));
  assert.ok(text.includes('"second"') && !text.includes('"first"'), text);
  assert.equal(text, JSON.stringify(publish([second], 2)));
  // An object that may change (not frozen) is written as it is now.
  const plain = { ...second, message: 'before' };
  messageJson(publish([plain], 3));
  plain.message = 'after';
  assert.equal(messageJson(publish([plain], 4)), JSON.stringify(publish([plain], 4)));
});

test('another charset than UTF-8 is written as the default writer writes it', () => {
  const message = publish([convertedDiagnostic(analysisDiagnostic(6, 'größer'), convert)], 1);
  assert.ok(Buffer.from(messageBytes(message, 'ascii')).equals(Buffer.from(JSON.stringify(message), 'ascii')));
});

test('converted diagnostics, whose text is kept, cannot be changed', () => {
  const diagnostic = convertedDiagnostic(analysisDiagnostic(5, 'frozen', true), convert);
  assert.throws(() => {
    (diagnostic as { message: string }).message = 'changed';
  }, TypeError);
  assert.throws(() => {
    (diagnostic.range.start as { line: number }).line = 9;
  }, TypeError);
  assert.throws(() => {
    (diagnostic.relatedInformation![0].location as { uri: string }).uri = 'file:///elsewhere.c';
  }, TypeError);
  assert.throws(() => diagnostic.relatedInformation!.push(diagnostic.relatedInformation![0]), TypeError);
});

test('messages that cannot be written fail as with the default writer: a rejected write and onError', async () => {
  // JSON.stringify throws on a BigInt.
  const unserializable = publish([convertedDiagnostic(analysisDiagnostic(1, 'ok'), convert), { range: 1n }], 1);
  const outcomes: string[] = [];
  for (const writer of [cachedDiagnosticsWriter(new PassThrough()), new StreamMessageWriter(new PassThrough())]) {
    const errors: string[] = [];
    writer.onError(([error]) => errors.push(error.message));
    const result = await writer.write(unserializable).then(() => 'written', (error: Error) => `rejected: ${error.message}`);
    outcomes.push(`${result}; onError: ${errors.join(' | ')}`);
  }
  assert.match(outcomes[0], /^rejected: .*BigInt.*; onError: .*BigInt/);
  assert.equal(outcomes[0], outcomes[1]);
});

test('a failing output stream fails the write as with the default writer, with the message and an error count', async () => {
  const failing = () => new Writable({ write: (_chunk, _encoding, callback) => callback(new Error('EPIPE: the client went away')) });
  const outcomes: unknown[] = [];
  for (const writer of [cachedDiagnosticsWriter(failing()), new StreamMessageWriter(failing())]) {
    const errors: [string, unknown, number | undefined][] = [];
    writer.onError(([error, message, count]) => errors.push([error.message, message, count]));
    const message = publish([convertedDiagnostic(analysisDiagnostic(2, 'x'), convert)], 1);
    const result = await writer.write(message).then(() => 'written', (error: Error) => `rejected: ${error.message}`);
    outcomes.push({ result, errors: errors.map(([text, failed, count]) => [text, failed === message, count]) });
  }
  assert.deepEqual(outcomes[0], outcomes[1]);
  assert.match(JSON.stringify(outcomes[0]), /rejected: EPIPE/);
});

test('stdio is chosen as vscode-languageserver chooses it: by the first transport argument', () => {
  assert.equal(choosesStdio(['--stdio']), true);
  assert.equal(choosesStdio(['--clientProcessId=12', '--stdio']), true);
  assert.equal(choosesStdio(['--node-ipc']), false);
  assert.equal(choosesStdio(['--socket=5000']), false);
  assert.equal(choosesStdio(['--pipe', '/tmp/x.sock', '--stdio']), false);
  assert.equal(choosesStdio([]), false);
  assert.equal(transportArgument(['--clientProcessId=12']), undefined);
  assert.equal(transportArgument(['--clientProcessId=12', '--socket=5000']), '--socket');
});

test('over stdio the console goes to the client, never to stdout', () => {
  const methods = ['log', 'info', 'debug', 'dir', 'warn', 'error', 'trace', 'assert', 'count', 'countReset'] as const;
  const saved = methods.map((m) => console[m]);
  const sent: string[] = [];
  try {
    consoleToClient({ log: (m) => sent.push(`log ${m}`), warn: (m) => sent.push(`warn ${m}`), error: (m) => sent.push(`error ${m}`) });
    console.log('a %d', 1, { b: 2 });
    console.info('info');
    console.debug('debug');
    console.dir({ c: [3] });
    console.warn('careful');
    console.error(new Error('broken').message);
    console.assert(true, 'not shown');
    console.assert(false, 'shown');
    console.count('x');
    console.count('x');
    console.countReset('x');
    console.count('x');
    console.trace('here');
  } finally {
    methods.forEach((m, i) => ((console as unknown as Record<string, unknown>)[m] = saved[i]));
  }
  const trace = sent.pop()!;
  assert.match(trace, /^log Trace: here\n\s+at /);
  assert.deepEqual(sent, ['log a 1 { b: 2 }', 'log info', 'log debug', 'log { c: [ 3 ] }', 'warn careful', 'error broken', 'error Assertion failed: shown', 'log x: 1', 'log x: 2', 'log x: 1']);
});

test('the server over stdio still exits when its input ends without a shutdown (code 1)', LIMIT, async () => {
  const child = spawn(process.execPath, [SERVER_JS, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const stdout: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stdin.end();
  assert.equal(await exited, 1);
  assert.equal(Buffer.concat(stdout).length, 0, 'nothing but messages on stdout');
});
