// Two network namespaces joined by a veth pair with a private /30, so that traffic never leaves
// what was created here: the client side (namespace <prefix>a, device a0) sends, the server
// side (<prefix>b, b0) answers and is where an XDP program goes. IPv6 is off and both
// neighbours are static, so the only frames b0 receives are the client's requests (an XDP
// program's run counter is then the number of requests), and the client device finishes its
// checksums itself, as frames from a real NIC arrive. The calibration (calibrateVeth.ts), the
// network tests (test/e2e/netns.ts) and the offload benchmark all build their pairs here.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { runCommand, type CommandOptions, type CommandResult } from './command';

export type Side = 'client' | 'server';

/** One veth link between the two namespaces: a device on each side and its address in a /30. */
export interface VethLink {
  clientIf: string;
  serverIf: string;
  clientAddress: string;
  serverAddress: string;
}

export interface VethPairOptions {
  /** The namespaces are `${prefix}a` (client) and `${prefix}b` (server); unique per pair. */
  prefix: string;
  /** Addresses of a0 and b0, in one /30. */
  clientAddress: string;
  serverAddress: string;
  /** Aborts every command the pair runs; destroy() still removes everything. */
  signal?: AbortSignal;
}

export interface XdpAttachOptions {
  side?: Side;
  /** Another link's device (addLink); default: a0 or b0. */
  device?: string;
  /** The program's function name (`ip ... program NAME`); otherwise the first program of `section`. */
  program?: string;
  /** ELF section; default "xdp". */
  section?: string;
  /** Replaces a program already on the device in one step (`ip -force`). */
  replace?: boolean;
}

const NETNS_DIR = '/run/netns';

/** Names of all network namespaces (from /run/netns, where `ip netns add` puts them). */
export function namespaces(): string[] {
  try {
    return readdirSync(NETNS_DIR).sort();
  } catch {
    return [];
  }
}

/** Kills what still runs in a namespace, then deletes it (its devices and their programs go with it). */
export async function deleteNamespace(name: string): Promise<void> {
  const { stdout } = await runCommand('ip', ['netns', 'pids', name], { allowFailure: true });
  for (const pid of stdout.split(/\s+/).filter(Boolean).map(Number)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await runCommand('ip', ['netns', 'del', name], { allowFailure: true });
}

export class VethPair {
  readonly client: string;
  readonly server: string;
  readonly clientIf = 'a0';
  readonly serverIf = 'b0';
  readonly clientAddress: string;
  readonly serverAddress: string;
  private readonly signal?: AbortSignal;
  private readonly children = new Set<ChildProcess>();
  private destroyed = false;

  protected constructor(options: VethPairOptions) {
    this.client = `${options.prefix}a`;
    this.server = `${options.prefix}b`;
    this.clientAddress = options.clientAddress;
    this.serverAddress = options.serverAddress;
    this.signal = options.signal;
  }

  /** Creates both namespaces and the link; on any failure (or abort) removes what it made and rethrows. */
  static async create(options: VethPairOptions): Promise<VethPair> {
    return VethPair.setUp(new VethPair(options));
  }

  protected static async setUp<T extends VethPair>(pair: T): Promise<T> {
    try {
      await pair.build();
    } catch (error) {
      await pair.destroy();
      throw error;
    }
    return pair;
  }

  private async build(): Promise<void> {
    for (const ns of [this.client, this.server]) {
      await this.ip(['netns', 'add', ns]);
      // Before any device exists, so no router solicitation or DAD frame ever reaches b0.
      await this.exec(ns, 'sysctl', ['-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
      await this.ip(['-n', ns, 'link', 'set', 'dev', 'lo', 'up']);
    }
    await this.addLink({ clientIf: this.clientIf, serverIf: this.serverIf, clientAddress: this.clientAddress, serverAddress: this.serverAddress });
  }

  /** Adds a veth link between the two namespaces, set up as the first one (a0/b0) is. */
  async addLink(link: VethLink): Promise<void> {
    await this.ip(['link', 'add', link.clientIf, 'netns', this.client, 'type', 'veth', 'peer', 'name', link.serverIf, 'netns', this.server]);
    // A local socket leaves the UDP/TCP checksum to the device (CHECKSUM_PARTIAL); a frame an
    // XDP program sends back with XDP_TX keeps that unfinished checksum and the client drops it.
    // With offload off on the client device the requests carry finished checksums.
    await this.exec('client', 'ethtool', ['-K', link.clientIf, 'tx', 'off']);
    await this.ip(['-n', this.client, 'addr', 'add', `${link.clientAddress}/30`, 'dev', link.clientIf]);
    await this.ip(['-n', this.server, 'addr', 'add', `${link.serverAddress}/30`, 'dev', link.serverIf]);
    const clientMac = await this.macOf('client', link.clientIf);
    const serverMac = await this.macOf('server', link.serverIf);
    // Static neighbours: no ARP frames, so counters see only the traffic that was sent.
    await this.ip(['-n', this.client, 'neigh', 'replace', link.serverAddress, 'lladdr', serverMac, 'dev', link.clientIf, 'nud', 'permanent']);
    await this.ip(['-n', this.server, 'neigh', 'replace', link.clientAddress, 'lladdr', clientMac, 'dev', link.serverIf, 'nud', 'permanent']);
    await this.ip(['-n', this.client, 'link', 'set', 'dev', link.clientIf, 'up']);
    await this.ip(['-n', this.server, 'link', 'set', 'dev', link.serverIf, 'up']);
  }

  namespace(side: Side): string {
    return side === 'client' ? this.client : this.server;
  }

  device(side: Side): string {
    return side === 'client' ? this.clientIf : this.serverIf;
  }

  private ip(args: string[]): Promise<CommandResult> {
    return runCommand('ip', args, { signal: this.signal });
  }

  /** Runs a command inside a namespace (`ip netns exec`), given by name or side. */
  exec(ns: string | Side, command: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
    const name = ns === 'client' || ns === 'server' ? this.namespace(ns) : ns;
    return runCommand('ip', ['netns', 'exec', name, command, ...args], { signal: this.signal, ...options });
  }

  /** Starts a command inside a namespace; destroy() kills it if it still runs. */
  spawn(side: Side, command: string, args: string[], stdio: StdioOptions = 'ignore'): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.namespace(side), command, ...args], { stdio });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  async macOf(side: Side, device = this.device(side)): Promise<string> {
    const { stdout } = await this.ip(['-n', this.namespace(side), '-j', 'link', 'show', 'dev', device]);
    return (JSON.parse(stdout) as { address: string }[])[0].address;
  }

  /** Attaches an XDP program in native (driver) mode and returns its kernel program id. */
  async attachXdp(objectPath: string, options: XdpAttachOptions = {}): Promise<number> {
    const side = options.side ?? 'server';
    const device = options.device ?? this.device(side);
    const select = options.program ? ['program', options.program] : ['sec', options.section ?? 'xdp'];
    await this.ip([...(options.replace ? ['-force'] : []), '-n', this.namespace(side), 'link', 'set', 'dev', device, 'xdpdrv', 'obj', objectPath, ...select]);
    const id = await this.xdpProgramId(side, device);
    if (id === undefined) throw new Error(`no XDP program on ${device} after attaching ${objectPath}`);
    return id;
  }

  async detachXdp(side: Side = 'server', device = this.device(side)): Promise<void> {
    await this.ip(['-n', this.namespace(side), 'link', 'set', 'dev', device, 'xdpdrv', 'off']);
  }

  async xdpProgramId(side: Side = 'server', device = this.device(side)): Promise<number | undefined> {
    const { stdout } = await this.ip(['-n', this.namespace(side), '-j', 'link', 'show', 'dev', device]);
    const link = (JSON.parse(stdout) as { xdp?: { prog?: { id: number } } }[])[0];
    return link?.xdp?.prog?.id;
  }

  /** Kills what it started and what else runs in the namespaces, deletes both (links and programs go with them). Safe to call twice. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const child of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    const existing = namespaces();
    for (const ns of [this.client, this.server]) if (existing.includes(ns)) await deleteNamespace(ns);
  }
}

/** A pair for the length of `body`: removed when it ends, however it ends. */
export async function withVethPair<T>(options: VethPairOptions, body: (pair: VethPair) => Promise<T>): Promise<T> {
  const pair = await VethPair.create(options);
  try {
    return await body(pair);
  } finally {
    await pair.destroy();
  }
}
