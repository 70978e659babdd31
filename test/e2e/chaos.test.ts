import { runChaos, type ChaosResult } from '../../bench/chaos/harness';
import { smallOptions } from '../../bench/chaos/options';

/**
 * The small chaos run (docs/development.md, "Chaos runs"): about 70 visits across both PACS in separate
 * processes, under PACS latency, errors, outages, lost answers and refused credentials, two SIGKILLed
 * service instances, one SIGKILLed Temporal server, and a few cancelled and terminated visits. It starts
 * its own Temporal dev server (it must kill and restart it), not the suite's.
 *
 * Expected to fail until the workflow handles: a sign-out while the PACS refuses our credentials, a
 * replayed Idempotency-Key after the visit completed, and Cancel/Terminate from the Temporal UI.
 */
jest.setTimeout(330_000);

describe('chaos (small run)', () => {
  let result: ChaosResult;

  beforeAll(async () => {
    result = await runChaos(smallOptions({ verbose: false, seed: 4242 }));
    process.stdout.write(`${result.report}\n`);
  });

  it('carried out the workload and every fault it planned', () => {
    expect(result.visits.accepted).toBeGreaterThanOrEqual(50);
    expect(result.faults.serviceKills).toBe(2);
    expect(result.faults.temporalRestarts).toBe(1);
    expect(result.faults.cancels).toBe(2);
    expect(result.faults.terminates).toBe(2);
    expect(result.faults.refusalWindows).toBe(1);
    expect(result.faults.errorWindows).toBeGreaterThan(0);
    expect(result.faults.outages).toBeGreaterThan(0);
    expect(result.faults.dropsConsumed.onguard + result.faults.dropsConsumed.genetec).toBeGreaterThan(0);
    expect(result.samples).toBeGreaterThan(10);
  });

  it('keeps every invariant', () => {
    // The report (printed above) names each violating visit, what happened to it and its workflow's state.
    expect(result.violations.map((v) => `${v.kind}: ${v.detail}`)).toEqual([]);
  });
});
