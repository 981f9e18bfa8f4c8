// The device part of the calibration turns three measured configurations into the model's XDP
// parameters; these tests check the derivation on given numbers (no timing is asserted), and
// that the model then prices the measured configurations as they were measured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keptHook, vethParameters, type VethMeasurement } from '../../server/src/tools/calibrateVeth';
import { DEFAULT_PARAMETERS, estimateCost, parseCalibrationFile, type CostParameters } from '../../server/src/analysis/cost';

const measurement: VethMeasurement = {
  inflight: 32,
  secondsPerRun: 1,
  reflectInstructions: 30,
  rounds: [
    { user: 15_000, pass: 15_400, reflect: 8_000 },
    { user: 16_000, pass: 16_300, reflect: 9_500 },
    { user: 14_000, pass: 14_900, reflect: 7_200 },
  ],
};

function withDerived(userspaceNs: number, m: VethMeasurement = measurement): CostParameters {
  // Userspace figures chosen so that stack + wake-up + recv + send = userspaceNs.
  const base: CostParameters = {
    ...DEFAULT_PARAMETERS,
    recvSyscall: { ns: 1000, source: 't' },
    sendSyscall: { ns: 1000, source: 't' },
    stackTraversal: { ns: 2000, source: 't' },
    wakeup: { ns: userspaceNs - 4000, source: 't' },
  };
  const derived = vethParameters(m, { userspaceNs, bpfInstructionNs: base.bpfInstruction.ns }, 'here');
  return { ...base, ...(derived.parameters as Partial<CostParameters>) };
}

test('the hook entry is the median per-round cost the XDP_PASS program adds', () => {
  const derived = vethParameters(measurement, { userspaceNs: 12_000, bpfInstructionNs: 1 }, 'here');
  assert.equal(derived.parameters.hookEntryXdp?.ns, 400); // rounds: 400, 300, 900
  assert.match(derived.parameters.hookEntryXdp!.source, /XDP_PASS/);
  assert.equal(derived.measurements.vethUserspaceEcho.ns, 15_000);
  assert.equal(derived.measurements.vethXdpReflect.ns, 8_000);
});

test('with the derived parameters the model prices the reflector and a fallback as measured', () => {
  for (const userspaceNs of [9_000, 12_000, 20_000]) {
    const parameters = withDerived(userspaceNs);
    const estimate = estimateCost({
      hook: 'xdp',
      parameters,
      shareSource: { kind: 'given', note: 't' },
      paths: [
        { id: 'reflect', description: 'answered by XDP_TX', share: 0.5, endsIn: 'kernel', kernelWork: { instructions: measurement.reflectInstructions }, userspaceWork: { handlerNs: 0 } },
        { id: 'fallback', description: 'handed over', share: 0.5, endsIn: 'userspace', userspaceWork: { handlerNs: 0 } },
      ],
    });
    const reflect = estimate.paths.find((p) => p.id === 'reflect')!;
    const fallback = estimate.paths.find((p) => p.id === 'fallback')!;
    // Median of user − reflect over the rounds: 7000, 6500, 6800.
    assert.ok(Math.abs(reflect.savingNs - 6_800) < 1e-6, `reflector saving ${reflect.savingNs} at U = ${userspaceNs}`);
    assert.ok(Math.abs(fallback.savingNs + 400) < 1e-6, `fallback saving ${fallback.savingNs}`);
  }
});

test('a hook below zero is kept only when every round agrees; the transmit cost never goes below zero', () => {
  const cheapHook: VethMeasurement = { ...measurement, rounds: measurement.rounds.map((r) => ({ ...r, pass: r.user - 200 })) };
  const derived = vethParameters(cheapHook, { userspaceNs: 3_000, bpfInstructionNs: 1 }, 'here');
  assert.equal(derived.parameters.hookEntryXdp?.ns, -200);
  assert.match(derived.parameters.hookEntryXdp!.source, /every round measured it cheaper/);
  // The reflector saves 6.8 µs, more than the model's 3 µs of userspace overhead: no transmit cost is left.
  assert.equal(derived.parameters.xdpTransmit?.ns, 0);
  assert.match(derived.parameters.xdpTransmit!.source, /cannot be negative/);

  const mixed: VethMeasurement = { ...measurement, rounds: [-300, -100, 200].map((d, i) => ({ ...measurement.rounds[i], pass: measurement.rounds[i].user + d })) };
  const noisy = vethParameters(mixed, { userspaceNs: 12_000, bpfInstructionNs: 1 }, 'here');
  assert.equal(noisy.parameters.hookEntryXdp?.ns, 0);
  assert.match(noisy.parameters.hookEntryXdp!.source, /not in every round: taken as 0/);
  assert.equal(keptHook([-5, -1, -9]), -5);
  assert.equal(keptHook([3, -1, 7]), 3);
});

test('a calibration file may hold a negative hook entry, and no other negative figure', () => {
  const file = (name: string) => JSON.stringify({ version: 1, parameters: { [name]: { ns: -120, source: 'measured' } } });
  assert.equal(parseCalibrationFile(file('hookEntryXdp')).parameters.hookEntryXdp?.ns, -120);
  assert.equal(parseCalibrationFile(file('hookEntrySkSkb')).parameters.hookEntrySkSkb?.ns, -120);
  assert.throws(() => parseCalibrationFile(file('xdpTransmit')), /"xdpTransmit" must be \{ns: number >= 0/);
});

test('the saturated echo server\'s rounds give the busy hook entry, from the rounds in which it was saturated', () => {
  const busy = (differences: number[], shares: number[]): VethMeasurement => ({
    ...measurement,
    serverShares: [0.8, 0.85, 0.9],
    busy: {
      spinNs: 1000,
      rounds: differences.map((d, i) => ({ user: 20_000 + i * 100, pass: 20_000 + i * 100 + d, userServerShare: shares[i], passServerShare: shares[i] })),
    },
  });
  const derived = vethParameters(busy([350, 250, 600], [0.98, 0.97, 0.99]), { userspaceNs: 12_000, bpfInstructionNs: 1 }, 'here');
  assert.equal(derived.parameters.hookEntryXdpBusy?.ns, 350);
  // The plain hook entry still comes from the plain echo server's rounds.
  assert.equal(derived.parameters.hookEntryXdp?.ns, 400);
  const source = derived.parameters.hookEntryXdpBusy!.source;
  assert.match(source, /spends 1000 ns of CPU on every request/);
  assert.match(source, /on the CPU 98% of the runs' time, median; the plain echo server's: 85%/);
  assert.match(source, /3 of 3 rounds/);
  assert.equal(derived.measurements.vethBusyUserspaceEcho.ns, 20_100);
  assert.equal(derived.measurements.vethBusyXdpPass.ns, 20_350);

  // A round in which the server was starved (another regime: the program measured cheaper) is left out.
  const partly = vethParameters(busy([350, -1200, 600], [0.98, 0.5, 0.95]), { userspaceNs: 12_000, bpfInstructionNs: 1 }, 'here');
  assert.equal(partly.parameters.hookEntryXdpBusy?.ns, 475);
  assert.match(partly.parameters.hookEntryXdpBusy!.source, /2 of 3 rounds/);
  // None saturated: the plain hook entry stands in, and the source says why.
  const starved = vethParameters(busy([-1100, -1200, -900], [0.5, 0.6, 0.55]), { userspaceNs: 12_000, bpfInstructionNs: 1 }, 'here');
  assert.equal(starved.parameters.hookEntryXdpBusy?.ns, 400);
  assert.match(starved.parameters.hookEntryXdpBusy!.source, /less than 90% of the time in every round.*-1100 ns.*plain echo server's hook entry \(400 ns\) stands in/);
  // Below zero in every saturated round: kept, as the plain entry is; in some only: 0.
  const saturated = [0.98, 0.98, 0.98];
  assert.equal(vethParameters(busy([-300, -100, -200], saturated), { userspaceNs: 12_000, bpfInstructionNs: 1 }, 'here').parameters.hookEntryXdpBusy?.ns, -200);
  assert.equal(vethParameters(busy([-300, -100, 200], saturated), { userspaceNs: 12_000, bpfInstructionNs: 1 }, 'here').parameters.hookEntryXdpBusy?.ns, 0);
  // Without the saturated rounds nothing is derived for it.
  assert.equal(vethParameters(measurement, { userspaceNs: 12_000, bpfInstructionNs: 1 }, 'here').parameters.hookEntryXdpBusy, undefined);
  assert.equal(parseCalibrationFile(JSON.stringify({ version: 1, parameters: { hookEntryXdpBusy: { ns: -50, source: 'measured' } } })).parameters.hookEntryXdpBusy?.ns, -50);
});

test('with the derived parameters the model prices a request handed over to the busy echo server as measured', () => {
  const busyMeasurement: VethMeasurement = {
    ...measurement,
    busy: { spinNs: 1000, rounds: [300, 500, 450].map((d) => ({ user: 20_000, pass: 20_000 + d, userServerShare: 1, passServerShare: 1 })) },
  };
  const derived = vethParameters(busyMeasurement, { userspaceNs: 12_000, bpfInstructionNs: 1 }, 'here');
  const parameters: CostParameters = { ...withDerived(12_000), ...(derived.parameters as Partial<CostParameters>) };
  const fallback = { id: 'fallback', description: 'handed over', share: 1, endsIn: 'userspace' as const, userspaceWork: { handlerNs: 1000 } };
  const busy = estimateCost({ hook: 'xdp', parameters, shareSource: { kind: 'given', note: 't' }, paths: [fallback], serverBusy: true });
  const asleep = estimateCost({ hook: 'xdp', parameters, shareSource: { kind: 'given', note: 't' }, paths: [fallback] });
  assert.ok(Math.abs(busy.expectedSavingNs + 450) < 1e-6, `busy saving ${busy.expectedSavingNs}`);
  assert.ok(Math.abs(asleep.expectedSavingNs + 400) < 1e-6, `asleep saving ${asleep.expectedSavingNs}`);
});

test('no rounds is an error, not a parameter of 0', () => {
  assert.throws(() => vethParameters({ ...measurement, rounds: [] }, { userspaceNs: 1, bpfInstructionNs: 1 }, 'here'), /no veth rounds/);
});

test('the TCP rounds give the sk_skb hook entry and the redirect, and the model prices the redirecting echo as measured', () => {
  const withTcp: VethMeasurement = {
    ...measurement,
    skSkb: {
      redirectInstructions: 4,
      rounds: [
        { user: 20_000, pass: 21_000, redirect: 18_000 },
        { user: 22_000, pass: 22_500, redirect: 19_000 },
        { user: 21_000, pass: 22_200, redirect: 19_500 },
      ],
    },
  };
  const derived = vethParameters(withTcp, { userspaceNs: 12_000, bpfInstructionNs: 1, stackTraversalNs: 2_000 }, 'here');
  assert.equal(derived.parameters.hookEntrySkSkb?.ns, 1_000); // 1000, 500, 1200
  // savable 10,000 − hook 1,000 − 4 instructions − median saving 2,000 (2000, 3000, 1500)
  assert.equal(derived.parameters.skSkbRedirect?.ns, 6_996);
  assert.equal(derived.measurements.vethSkSkbRedirect.ns, 19_000);
  const parameters: CostParameters = {
    ...DEFAULT_PARAMETERS,
    recvSyscall: { ns: 1000, source: 't' },
    sendSyscall: { ns: 1000, source: 't' },
    stackTraversal: { ns: 2000, source: 't' },
    wakeup: { ns: 8000, source: 't' },
    bpfInstruction: { ns: 1, source: 't' },
    ...(Object.fromEntries(Object.entries(derived.parameters).map(([k, v]) => [k, { ...v, measured: true }])) as Partial<CostParameters>),
  };
  const estimate = estimateCost({
    hook: 'sk_skb',
    parameters,
    shareSource: { kind: 'given', note: 't' },
    paths: [{ id: 'echo', description: 'redirected back', share: 1, endsIn: 'kernel', kernelWork: { instructions: 4 }, userspaceWork: { handlerNs: 0 } }],
  });
  assert.ok(Math.abs(estimate.paths[0].savingNs - 2_000) < 1e-6, `redirect saving ${estimate.paths[0].savingNs}`);
});

test('without TCP rounds no sk_skb parameter is derived', () => {
  const derived = vethParameters(measurement, { userspaceNs: 12_000, bpfInstructionNs: 1 }, 'here');
  assert.equal(derived.parameters.hookEntrySkSkb, undefined);
  assert.equal(derived.parameters.skSkbRedirect, undefined);
});
