import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyCalibration,
  CalibrationFormatError,
  CostInputError,
  DEFAULT_PARAMETERS,
  estimateCost,
  parseCalibrationFile,
  PARAMETER_NAMES,
  staticShares,
  type CostParameters,
  type CostPath,
  type ParameterName,
} from '../../server/src/analysis/cost';
import { groupedThousands } from '../../server/src/analysis/numberText';

// Round numbers so every expected value below can be checked by hand.
const FIXED_NS: Record<ParameterName, number> = {
  recvSyscall: 500,
  sendSyscall: 500,
  stackTraversal: 1000,
  wakeup: 2000,
  hookEntryXdp: 40,
  hookEntryXdpBusy: 400,
  hookEntrySkSkb: 1000,
  hookEntrySkMsg: 1000,
  bpfInstruction: 1,
  mapLookupArray: 4,
  mapLookupHash: 20,
  mapLookupLruHash: 20,
  mapUpdateArray: 8,
  mapUpdateHash: 40,
  mapUpdateLruHash: 40,
  userMapAccessArray: 500,
  userMapAccessHash: 500,
  bpfCopyPerByte: 0.5,
  checksumPerByte: 0.5,
  adjustTail: 20,
  xdpTransmit: 20,
  skSkbRedirect: 300,
  tailCall: 10,
};
const FIXED = Object.fromEntries(PARAMETER_NAMES.map((n) => [n, { ns: FIXED_NS[n], source: `test value for ${n}` }])) as CostParameters;

// userspace: 500 + 500 + 1000 + 2000 + 1000 = 5000; split: 40 + 200 + 20 + 50 + 20 + 20 = 350.
const getHit = (share: number): CostPath => ({
  id: 'get-hit',
  description: 'GET of a cached key answered by the kernel',
  share,
  endsIn: 'kernel',
  kernelWork: { instructions: 200, mapLookups: { hash: 1 }, bytesCopied: 100, adjustTail: true },
  userspaceWork: { handlerNs: 1000, handlerSource: 'test' },
});

// userspace: 4000 + 2000 = 6000; wasted: 40 + 50 + 20 = 110; split: 110 + 6000 + 500 = 6610.
const set = (share: number, extra: Partial<CostPath> = {}): CostPath => ({
  id: 'set',
  description: 'SET handled in userspace',
  share,
  endsIn: 'userspace',
  fallbackAfterKernelWork: { instructions: 50, mapLookups: { hash: 1 } },
  userspaceWork: { handlerNs: 2000, mapSyscalls: { hash: 1 } },
  ...extra,
});

const given = { kind: 'given' as const, note: 'test mix' };

test('per-path and expected costs follow the equations (hand-computed)', () => {
  const e = estimateCost({ hook: 'xdp', paths: [getHit(0.7), set(0.3)], shareSource: given, parameters: FIXED });
  const [hit, miss] = e.paths;
  assert.equal(hit.userspaceNs, 5000);
  assert.equal(hit.splitNs, 350);
  assert.equal(hit.savingNs, 4650);
  assert.equal(hit.wastedNs, 0);
  assert.equal(miss.userspaceNs, 6000);
  assert.equal(miss.wastedNs, 110);
  assert.equal(miss.splitNs, 6610);
  assert.equal(miss.savingNs, -610);
  assert.ok(Math.abs(e.expectedUserspaceNs - 5300) < 1e-9);
  assert.ok(Math.abs(e.expectedSplitNs - 2228) < 1e-9);
  assert.ok(Math.abs(e.expectedSavingNs - 3072) < 1e-9);
  assert.ok(Math.abs(e.kernelShare - 0.7) < 1e-12);
  assert.ok(Math.abs(e.rho - 278 / 5300) < 1e-12);
  assert.ok(Math.abs((e.breakEvenShare ?? NaN) - 610 / 5260) < 1e-12);
  assert.equal(e.verdict.kind, 'offload');
  assert.deepEqual(e.verdict.offloadPaths, ['get-hit']);
  assert.match(e.verdict.reason, /saves 3,072 ns per request: 70% of requests finish in the kernel, break-even at 12%/);
});

test('every term names the parameter it used and that parameter\'s source', () => {
  const e = estimateCost({ hook: 'xdp', paths: [getHit(0.7), set(0.3)], shareSource: given, parameters: FIXED });
  const lookup = e.paths[0].splitTerms.find((t) => t.parameter === 'mapLookupHash');
  assert.deepEqual(lookup && { ns: lookup.ns, quantity: lookup.quantity, source: lookup.source }, { ns: 20, quantity: 1, source: 'test value for mapLookupHash' });
  const handler = e.paths[0].userspaceTerms.find((t) => t.name === 'handler work');
  assert.equal(handler?.source, 'test');
  const usedNames = e.parametersUsed.map((p) => p.name).sort();
  assert.ok(usedNames.includes('userMapAccessHash'));
  assert.ok(usedNames.includes('xdpTransmit'));
  assert.ok(!usedNames.includes('hookEntrySkSkb'));
  assert.equal(e.shareNote, 'given: test mix');
});

test('offload loses when few requests finish in the kernel and misses waste work', () => {
  const wasteful = set(0.95, { fallbackAfterKernelWork: { instructions: 500, mapLookups: { hash: 2 } } });
  const e = estimateCost({ hook: 'xdp', paths: [getHit(0.05), wasteful], shareSource: given, parameters: FIXED });
  // miss: wasted 40 + 500 + 40 = 580, split 580 + 6000 + 500 = 7080, saving −1080.
  assert.equal(e.paths[1].savingNs, -1080);
  assert.ok(Math.abs(e.expectedSavingNs - (0.05 * 4650 - 0.95 * 1080)) < 1e-9);
  assert.ok(e.expectedSavingNs < 0);
  assert.ok(Math.abs((e.breakEvenShare ?? NaN) - 1080 / 5730) < 1e-12);
  assert.equal(e.verdict.kind, 'dont-offload');
  assert.deepEqual(e.verdict.offloadPaths, []);
  assert.match(e.verdict.reason, /loses 794 ns per request: 5\.0% of requests finish in the kernel/);
  assert.match(e.verdict.reason, /more than 18\.8% of requests must finish in the kernel/);
});

test('break-even reproduces the ω > ρ rule when every request pays the same kernel program', () => {
  // Kernel program k = 40 (hook) + 160 insns = 200 on both paths; userspace cost C = 5000 on both.
  const hit: CostPath = { ...getHit(0.5), kernelWork: { instructions: 160 }, reply: 'drop' };
  const miss: CostPath = { ...set(0.5), fallbackAfterKernelWork: { instructions: 160 }, userspaceWork: { handlerNs: 1000 } };
  const e = estimateCost({ hook: 'xdp', paths: [hit, miss], shareSource: given, parameters: FIXED });
  assert.ok(Math.abs((e.breakEvenShare ?? NaN) - 200 / 5000) < 1e-12);
  assert.ok(Math.abs(e.rho - 200 / 5000) < 1e-12);
});

test('a kernel path that costs more than userspace is advised to stay in userspace', () => {
  const heavy: CostPath = { ...getHit(0.2), id: 'scan', kernelWork: { instructions: 10000 } };
  const e = estimateCost({ hook: 'xdp', paths: [getHit(0.5), heavy, set(0.3)], shareSource: given, parameters: FIXED });
  // scan: split 40 + 10000 + 20 = 10060, saving −5060; handed over at entry it would waste only 40.
  assert.equal(e.paths[1].savingNs, -5060);
  assert.equal(e.verdict.kind, 'offload-some');
  assert.deepEqual(e.verdict.offloadPaths, ['get-hit']);
  assert.deepEqual(e.verdict.keepInUserspace, ['scan']);
  assert.ok(Math.abs(e.verdict.advisedSavingNs - (0.5 * 4650 - 0.2 * 40 - 0.3 * 610)) < 1e-9);
  assert.match(e.verdict.reason, /keep scan in userspace/);
});

test('handing a fallback over earlier is advised when the slicer knows the earliest point', () => {
  const e = estimateCost({
    hook: 'xdp',
    paths: [getHit(0.7), set(0.3, { earliestFallbackWork: { instructions: 10 } })],
    shareSource: given,
    parameters: FIXED,
  });
  // earlier: waste 40 + 10 = 50 instead of 110, saving −550 instead of −610.
  assert.equal(e.verdict.kind, 'offload-some');
  assert.deepEqual(e.verdict.handOverEarlier, ['set']);
  assert.ok(Math.abs(e.verdict.advisedSavingNs - (0.7 * 4650 - 0.3 * 550)) < 1e-9);
});

test('no path cheaper in the kernel gives dont-offload whatever the mix', () => {
  const heavy: CostPath = { ...getHit(0.9), kernelWork: { instructions: 10000 } };
  const e = estimateCost({ hook: 'xdp', paths: [heavy, set(0.1)], shareSource: given, parameters: FIXED });
  assert.equal(e.breakEvenShare, null);
  assert.equal(e.verdict.kind, 'dont-offload');
  assert.match(e.verdict.reason, /no path costs less in the kernel/);
});

test('SK_SKB still pays the receive stack before its hook, SK_MSG pays the syscalls too', () => {
  const skb = estimateCost({ hook: 'sk_skb', paths: [{ ...getHit(1), kernelWork: { instructions: 200 } }], shareSource: given, parameters: FIXED });
  // 1000 hook + 1000 stack + 200 insns; the redirect of the reply is not priced and a note says so.
  assert.equal(skb.paths[0].splitNs, 2200);
  assert.ok(skb.notes.some((n) => /sk_skb.*not modelled/.test(n)));
  const msg = estimateCost({ hook: 'sk_msg', paths: [{ ...getHit(1), kernelWork: { instructions: 200 } }], shareSource: given, parameters: FIXED });
  assert.equal(msg.paths[0].splitNs, 1000 + 1000 + 500 + 2000 + 500 + 200);
});

test('shares that do not sum to 1 are rescaled with a note; bad input is refused clearly', () => {
  const e = estimateCost({ hook: 'xdp', paths: [getHit(2), set(2)], shareSource: given, parameters: FIXED });
  assert.equal(e.paths[0].share, 0.5);
  assert.ok(e.notes.some((n) => n.includes('rescaled')));
  assert.throws(() => estimateCost({ hook: 'xdp', paths: [getHit(-1)], shareSource: given }), CostInputError);
  assert.throws(() => estimateCost({ hook: 'xdp', paths: [], shareSource: given }), /no paths/);
  assert.throws(
    () => estimateCost({ hook: 'xdp', paths: [{ ...getHit(1), kernelWork: { instructions: NaN } }], shareSource: given }),
    /instructions must be a finite number/,
  );
  assert.throws(
    () => estimateCost({ hook: 'xdp', paths: [{ ...getHit(1), kernelWork: { instructions: 1, mapLookups: { trie: 1 } as never } }], shareSource: given }),
    /unknown map kind "trie"/,
  );
});

test('a calibration file replaces the parameters it measured and only those', () => {
  const text = JSON.stringify({
    version: 1,
    machine: { kernel: '6.18' },
    measuredAt: '2026-11-25T10:00:00Z',
    parameters: {
      bpfInstruction: { ns: 0.3, source: 'measured on this machine: bpftool prog run' },
      notAParameter: { ns: 1, source: 'x' },
    },
  });
  const calibration = parseCalibrationFile(text);
  assert.deepEqual(calibration.ignoredParameters, ['notAParameter']);
  const { parameters, replaced } = applyCalibration(calibration, FIXED);
  assert.deepEqual(replaced, ['bpfInstruction']);
  assert.equal(parameters.bpfInstruction.ns, 0.3);
  assert.equal(parameters.bpfInstruction.measured, true);
  assert.match(parameters.bpfInstruction.source, /measured on this machine.*2026-11-25/);
  assert.equal(parameters.mapLookupHash.ns, 20);
  const e = estimateCost({ hook: 'xdp', paths: [getHit(1)], shareSource: given, parameters });
  // 350 with 1 ns per instruction; 200 × 0.3 = 60 instead of 200.
  assert.ok(Math.abs(e.paths[0].splitNs - 210) < 1e-9);
  assert.equal(e.parametersUsed.find((p) => p.name === 'bpfInstruction')?.measured, true);
});

test('malformed calibration files are refused with a reason', () => {
  assert.throws(() => parseCalibrationFile('{'), CalibrationFormatError);
  assert.throws(() => parseCalibrationFile(JSON.stringify({ version: 2, parameters: {} })), /version 2 is not supported/);
  assert.throws(() => parseCalibrationFile(JSON.stringify({ version: 1 })), /no "parameters"/);
  assert.throws(() => parseCalibrationFile(JSON.stringify({ version: 1, parameters: { wakeup: { ns: -3 } } })), /"wakeup" must be/);
});

test('every default parameter is positive and names its source (the sk_skb redirect, unpublished, is 0 until calibrated)', () => {
  for (const name of PARAMETER_NAMES) {
    const p = DEFAULT_PARAMETERS[name];
    assert.ok(Number.isFinite(p.ns) && (name === 'skSkbRedirect' ? p.ns === 0 : p.ns > 0), name);
    assert.ok(p.source.length > 20, name);
  }
  assert.equal(DEFAULT_PARAMETERS.bpfInstruction.ns, 340 / 256);
  assert.equal(DEFAULT_PARAMETERS.wakeup.ns, 5738 - 1072 - 550);
  const e = estimateCost({ hook: 'xdp', paths: [getHit(0.7), set(0.3)], shareSource: { kind: 'static', heuristic: 'h' } });
  assert.equal(e.shareNote, 'no profile: static heuristic (h)');
  assert.ok(e.parametersUsed.every((p) => !p.measured));
});

test('static shares: error paths rare, the rest equal', () => {
  const { shares, source } = staticShares([{ id: 'get' }, { id: 'set' }, { id: 'bad', isErrorPath: true }]);
  assert.equal(shares.get('bad'), 0.1);
  assert.equal(shares.get('get'), 0.45);
  assert.equal(source.kind, 'static');
  assert.equal(staticShares([{ id: 'a' }, { id: 'b' }]).shares.get('a'), 0.5);
});

test('a busy server pays no wake-up per request', () => {
  // The busy hook entry set equal to the plain one, so that only the wake-up differs.
  const parameters = { ...FIXED, hookEntryXdpBusy: FIXED.hookEntryXdp };
  const e = estimateCost({ hook: 'xdp', paths: [getHit(0.7), set(0.3)], shareSource: given, parameters, serverBusy: true });
  // 2000 ns less on every path's userspace cost, none on the kernel path's split cost.
  assert.equal(e.paths[0].userspaceNs, 3000);
  assert.equal(e.paths[0].splitNs, 350);
  assert.equal(e.paths[1].splitNs, 4610);
  assert.ok(e.notes.some((n) => n.startsWith('busy server')));
});

test('a request handed over to a busy server pays XDP\'s busy hook entry; one answered in the kernel, or handed to a server that sleeps, the plain one', () => {
  const busy = estimateCost({ hook: 'xdp', paths: [getHit(0.7), set(0.3)], shareSource: given, parameters: FIXED, serverBusy: true });
  const asleep = estimateCost({ hook: 'xdp', paths: [getHit(0.7), set(0.3)], shareSource: given, parameters: FIXED });
  // The fallback: 4610 without the wake-up, with the 400 ns busy entry instead of 40.
  assert.equal(busy.paths[1].splitNs, 4610 - 40 + 400);
  assert.equal(busy.paths[1].wastedNs, 400 + 50 + 20);
  assert.ok(busy.paths[1].splitTerms.some((t) => t.parameter === 'hookEntryXdpBusy' && t.ns === 400));
  assert.ok(!busy.paths[1].splitTerms.some((t) => t.parameter === 'hookEntryXdp'));
  // The kernel path pays the plain entry whether the server is busy or not.
  assert.equal(busy.paths[0].splitNs, 350);
  assert.ok(busy.paths[0].splitTerms.some((t) => t.parameter === 'hookEntryXdp'));
  assert.equal(asleep.paths[1].splitNs, 6610);
  assert.ok(!asleep.parametersUsed.some((p) => p.name === 'hookEntryXdpBusy'));
  // Other hooks have one entry figure.
  const skSkb = estimateCost({ hook: 'sk_skb', paths: [set(1)], shareSource: given, parameters: FIXED, serverBusy: true });
  assert.ok(skSkb.paths[0].splitTerms.some((t) => t.parameter === 'hookEntrySkSkb'));
});

test('a busy server\'s break-even, with no fallback path described, assumes a miss wastes the busy hook entry', () => {
  const e = estimateCost({ hook: 'xdp', paths: [getHit(1)], shareSource: given, parameters: FIXED, serverBusy: true });
  // s_K = 3000 − 350 = 2650 (no wake-up), s_F = −400: ω* = 400 / 3050.
  assert.ok(Math.abs(e.breakEvenShare! - 400 / 3050) < 1e-12);
  const asleep = estimateCost({ hook: 'xdp', paths: [getHit(1)], shareSource: given, parameters: FIXED });
  assert.ok(Math.abs(asleep.breakEvenShare! - 40 / (4650 + 40)) < 1e-12);
});

test('with a calibrated reply cost a busy server\'s kernel path saves what it saves asleep; with a published one, the wake-up less', () => {
  const calibrated = { ...FIXED, xdpTransmit: { ns: 20, source: 'measured', measured: true }, skSkbRedirect: { ns: 300, source: 'measured', measured: true } };
  for (const hook of ['xdp', 'sk_skb'] as const) {
    const path = { ...getHit(1), kernelWork: { instructions: 200 } };
    const busy = estimateCost({ hook, paths: [path], shareSource: given, parameters: calibrated, serverBusy: true });
    const asleep = estimateCost({ hook, paths: [path], shareSource: given, parameters: calibrated });
    assert.equal(busy.paths[0].savingNs, asleep.paths[0].savingNs, hook);
    const folded = busy.paths[0].splitTerms.find((t) => t.parameter === 'wakeup');
    assert.equal(folded?.ns, -2000, hook);
    assert.match(folded!.name, /busy server does not pay/);
    assert.ok(!asleep.paths[0].splitTerms.some((t) => t.parameter === 'wakeup'), hook);
  }
  const path = { ...getHit(1), kernelWork: { instructions: 200 } };
  const published = estimateCost({ hook: 'xdp', paths: [path], shareSource: given, parameters: FIXED, serverBusy: true });
  const publishedAsleep = estimateCost({ hook: 'xdp', paths: [path], shareSource: given, parameters: FIXED });
  assert.equal(publishedAsleep.paths[0].savingNs - published.paths[0].savingNs, 2000);
  assert.ok(!published.paths[0].splitTerms.some((t) => t.parameter === 'wakeup'));
});

test('state moved into an array map costs a fallback nothing extra when mapped, a syscall per access otherwise', () => {
  const fallback = (): CostPath => ({
    id: 'fb',
    description: 'reads two moved counters',
    share: 1,
    endsIn: 'userspace',
    userspaceWork: { handlerNs: 1000, mapSyscalls: { array: 2, hash: 1 } },
  });
  const mapped = estimateCost({ hook: 'xdp', paths: [fallback()], shareSource: given, parameters: FIXED });
  const syscalls = estimateCost({ hook: 'xdp', paths: [fallback()], shareSource: given, parameters: FIXED, arrayStateAccess: 'syscall' });
  // Hash state is always reached through the bpf syscall; array state only with 'syscall'.
  assert.equal(syscalls.paths[0].splitNs - mapped.paths[0].splitNs, 2 * FIXED.userMapAccessArray.ns);
  assert.ok(mapped.paths[0].splitTerms.some((t) => t.parameter === 'userMapAccessHash'));
  assert.ok(!mapped.paths[0].splitTerms.some((t) => t.parameter === 'userMapAccessArray'));
  assert.ok(mapped.notes.some((n) => /BPF_F_MMAPABLE/.test(n)));
});

test('an sk_skb reply is priced only with a measured redirect cost; otherwise a note says it is left out', () => {
  const path = { ...getHit(1), kernelWork: { instructions: 200 } };
  const unmeasured = estimateCost({ hook: 'sk_skb', paths: [path], shareSource: given, parameters: FIXED });
  const measured = estimateCost({ hook: 'sk_skb', paths: [path], shareSource: given, parameters: { ...FIXED, skSkbRedirect: { ns: 300, source: 'measured', measured: true } } });
  assert.equal(measured.paths[0].splitNs - unmeasured.paths[0].splitNs, 300);
  assert.ok(measured.paths[0].splitTerms.some((t) => t.parameter === 'skSkbRedirect'));
  assert.ok(!measured.notes.some((n) => /not modelled/.test(n)));
  assert.ok(unmeasured.notes.some((n) => /sk_skb.*not modelled/.test(n)));
});

test('break-even explanations group thousands as en-US does, without Intl', () => {
  for (const value of [0, 7, 999, 1000, 12345, 1234567, -1234, 2 ** 53 - 1, 98765432101]) assert.equal(groupedThousands(value), value.toLocaleString('en-US'), String(value));
});
