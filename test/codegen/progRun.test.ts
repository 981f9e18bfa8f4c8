// Runs generated kernel halves on crafted Ethernet/IPv4/UDP frames with BPF_PROG_TEST_RUN
// (bpftool prog run): kernel-answerable requests of an example's script must come back as
// XDP_TX with the golden reply and swapped, checksummed headers; the others as XDP_PASS with
// the frame untouched. Requests userspace answers are replayed through the original C code
// (built on the host against the same struct bpfo_state), whose state is copied into and out
// of the state map, so the script's state carries over exactly as in a split pair.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EXAMPLES, encodePayload, readReplies, readRequests, type ExampleServer } from '../examples/example-servers';
import { findToolchain, privilege } from '../../server/src/tools/toolchain';
import { generateForExample, writeKernelHalf } from './kernelHalfHelpers';
import { splitFileNames } from '../../server/src/analysis/codegen/contract';
import type { KernelHalf } from '../../server/src/analysis/codegen/kernelHalf';

const REQUIRED = (process.env.BPF_OFFLOAD_REQUIRE_KERNEL ?? '') !== '';
const XDP_PASS = 2;
const XDP_TX = 3;
const XDP_DROP = 1;

/** How the host replays one request through the original code: start-up state, then one call like the server's loop. */
const HOST: Record<string, { init: string; handle: string }> = {
  'kv-cache': {
    init: 'warm_cache();',
    handle: 'static char reply[DGRAM_MAX]; size_t reply_len = 0; if (handle_request((char *)req, n, reply, &reply_len) == 0 && reply_len > 0) fwrite(reply, 1, reply_len, stdout);',
  },
  'stats-counter': {
    init: 'register_counter("http.requests", strlen("http.requests")); register_counter("http.errors", strlen("http.errors")); register_counter("logins", strlen("logins"));',
    handle: 'static char reply[REPLY_MAX]; size_t reply_len = dispatch((const char *)req, n, reply); fwrite(reply, 1, reply_len, stdout);',
  },
  'echo-rewrite': {
    init: '',
    handle: 'static uint8_t packet[BUFFER_SIZE]; memcpy(packet, req, n); size_t reply_len = rewrite_packet(packet, n, sizeof packet); if (reply_len > 0) fwrite(packet, 1, reply_len, stdout);',
  },
};

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 6).join(' ')}…: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

function hostDriver(dir: string, server: ExampleServer, half: KernelHalf): string {
  const base = server.name;
  const copy = (toState: boolean) =>
    half.stateFields.map((f) => (toState ? `memcpy((void *)&st.${f.name}, (void *)&${f.name}, sizeof st.${f.name});` : `memcpy((void *)&${f.name}, (void *)&st.${f.name}, sizeof st.${f.name});`)).join(' ');
  const source = `#define main bpfo_original_main
#include "${path.join(server.dir, `${base}.c`)}"
#undef main
#include "${splitFileNames(base).sharedHeader}"
static struct bpfo_state st;
static void load(const char *p) { FILE *f = fopen(p, "rb"); if (!f || fread(&st, sizeof st, 1, f) != 1) exit(3); fclose(f); ${copy(false)} }
static void save(const char *p) { ${copy(true)} FILE *f = fopen(p, "wb"); fwrite(&st, sizeof st, 1, f); fclose(f); }
int main(int argc, char **argv)
{
\tif (argc == 3) { ${HOST[base].init} save(argv[2]); return 0; }
\tstatic unsigned char req[65536];
\tload(argv[2]);
\tFILE *f = fopen(argv[3], "rb"); size_t n = fread(req, 1, sizeof req, f); fclose(f);
\t${HOST[base].handle}
\tsave(argv[2]);
\treturn 0;
}
`;
  writeFileSync(path.join(dir, 'host.c'), source);
  const binary = path.join(dir, 'host');
  run('cc', ['-O1', '-w', `-I${dir}`, `-I${server.dir}`, '-o', binary, path.join(dir, 'host.c')]);
  return binary;
}

function frame(payload: Buffer, port: number): Buffer {
  const eth = Buffer.from('020000000002020000000001' + '0800', 'hex');
  const ip = Buffer.alloc(20);
  ip.writeUInt8(0x45, 0);
  ip.writeUInt16BE(28 + payload.length, 2);
  ip.writeUInt8(64, 8);
  ip.writeUInt8(17, 9);
  Buffer.from([10, 0, 0, 1]).copy(ip, 12);
  Buffer.from([10, 0, 0, 2]).copy(ip, 16);
  ip.writeUInt16BE(ipChecksum(ip), 10);
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(40000, 0);
  udp.writeUInt16BE(port, 2);
  udp.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([eth, ip, udp, payload]);
}

function ipChecksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < header.length; i += 2) sum += header.readUInt16BE(i);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

class LoadedHalf {
  constructor(private readonly dir: string) {}
  get prog() { return path.join(this.dir, 'progs', 'bpfo_xdp'); }
  map(name: string) { return path.join(this.dir, 'maps', name); }
  run(packet: Buffer): { verdict: number; out: Buffer } {
    const input = path.join(this.dir, '..', 'in.bin');
    const output = path.join(this.dir, '..', 'out.bin');
    writeFileSync(input, packet);
    const text = run('bpftool', ['prog', 'run', 'pinned', this.prog, 'data_in', input, 'data_out', output, 'repeat', '1']);
    const verdict = Number(/Return value: (\d+)/.exec(text)?.[1]);
    return { verdict, out: readFileSync(output) };
  }
  readState(): Buffer {
    const json = JSON.parse(run('bpftool', ['-j', 'map', 'lookup', 'pinned', this.map('bpfo_state_map'), 'key', '0', '0', '0', '0']));
    return Buffer.from((json.value as string[]).map((b) => parseInt(b, 16)));
  }
  writeState(bytes: Buffer): void {
    const size = this.readState().length;
    const value = Buffer.alloc(size);
    bytes.copy(value, 0, 0, Math.min(bytes.length, size));
    run('bpftool', ['map', 'update', 'pinned', this.map('bpfo_state_map'), 'key', '0', '0', '0', '0', 'value', 'hex', ...[...value].map((b) => b.toString(16).padStart(2, '0'))]);
  }
  counter(index: number): number {
    const json = JSON.parse(run('bpftool', ['-j', 'map', 'lookup', 'pinned', this.map('bpfo_stats_map'), 'key', String(index), '0', '0', '0']));
    return (json.formatted.values as { value: number }[]).reduce((a, v) => a + v.value, 0);
  }
}

for (const name of Object.keys(HOST)) {
  test(`${name}: BPF_PROG_TEST_RUN over the request script gives the golden replies or hands over untouched`, async (t) => {
    const tools = findToolchain();
    if (!tools.ok || !privilege().canLoad) {
      const why = tools.ok ? 'not privileged to load BPF programs' : tools.error.message;
      if (REQUIRED) assert.fail(why);
      return t.skip(why);
    }
    const server = EXAMPLES.find((e) => e.name === name)!;
    const half = await generateForExample(server);
    if (!half.ok) assert.fail(half.error);
    const port = Number(/const volatile __u16 bpfo_port = (\d+);/.exec(half.source)?.[1]);
    const dir = mkdtempSync(path.join(tmpdir(), 'bpfo-progrun-'));
    const bpffs = path.join(dir, 'bpffs');
    let mounted = false;
    try {
      const source = writeKernelHalf(dir, name, half);
      const object = path.join(dir, `${name}.bpf.o`);
      run(tools.toolchain.clang, ['-O2', '-g', '-target', 'bpf', ...tools.toolchain.includeDirs.map((d) => `-I${d}`), '-c', source, '-o', object]);
      const host = hostDriver(dir, server, half);
      mkdirSync(bpffs);
      run('mount', ['-t', 'bpf', 'bpf', bpffs]);
      mounted = true;
      run('bpftool', ['prog', 'loadall', object, path.join(bpffs, 'progs'), 'pinmaps', path.join(bpffs, 'maps')]);
      const loaded = new LoadedHalf(bpffs);
      const stateFile = path.join(dir, 'state.bin');
      run(host, ['init', stateFile]);
      loaded.writeState(readFileSync(stateFile));

      const requests = readRequests(server);
      const replies = readReplies(server);
      let answered = 0;
      let grewTooLittle = 0;
      for (const [i, request] of requests.entries()) {
        const where = `${name} requests.txt:${request.line} ${encodePayload(request.bytes)}`;
        const packet = frame(request.bytes, port);
        const expected = replies[i];
        const growFailedBefore = loaded.counter(2);
        const { verdict, out } = loaded.run(packet);
        const grewFailed = loaded.counter(2) > growFailedBefore;
        if (request.answeredIn === 'kernel' && !grewFailed) {
          if (expected === null) {
            assert.equal(verdict, XDP_DROP, `${where}: no reply expected`);
            answered++;
            continue;
          }
          assert.equal(verdict, XDP_TX, `${where}: expected XDP_TX`);
          assert.equal(out.subarray(42).toString('hex'), expected.toString('hex'), `${where}: reply payload`);
          assert.deepEqual(out.subarray(0, 6), packet.subarray(6, 12), `${where}: destination MAC is the sender's`);
          assert.deepEqual(out.subarray(26, 30), packet.subarray(30, 34), `${where}: source IP is the old destination`);
          assert.equal(out.readUInt16BE(36), 40000, `${where}: destination port is the sender's`);
          assert.equal(out.readUInt16BE(16), 28 + expected.length, `${where}: IPv4 total length`);
          assert.equal(ipChecksum(out.subarray(14, 34)), 0, `${where}: IPv4 header checksum`);
          assert.equal(out.readUInt16BE(38), 8 + expected.length, `${where}: UDP length`);
          answered++;
          continue;
        }
        // Handed to userspace: the frame must be exactly what arrived, and userspace answers it.
        assert.equal(verdict, XDP_PASS, `${where}: expected XDP_PASS`);
        assert.deepEqual(out, packet, `${where}: frame changed before XDP_PASS`);
        if (grewFailed) {
          assert.ok(expected && expected.length > request.bytes.length, `${where}: only a growing reply may fail to grow`);
          grewTooLittle++;
        }
        writeFileSync(stateFile, loaded.readState());
        const requestFile = path.join(dir, 'request.bin');
        writeFileSync(requestFile, request.bytes);
        const reply = spawnSync(host, ['run', stateFile, requestFile], { maxBuffer: 1 << 20 });
        assert.equal(reply.status, 0, `${where}: host replay failed: ${reply.stderr}`);
        assert.equal(reply.stdout.toString('hex'), (expected ?? Buffer.alloc(0)).toString('hex'), `${where}: userspace reply`);
        loaded.writeState(readFileSync(stateFile));
      }
      assert.equal(loaded.counter(0), answered, 'STAT_ANSWERED counts the kernel answers');
      t.diagnostic(`${answered} answered in the kernel, ${grewTooLittle} could not grow the frame under BPF_PROG_TEST_RUN`);
    } finally {
      if (mounted) spawnSync('umount', [bpffs]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
