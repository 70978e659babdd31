import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startGenetecSimulator } from '../../src/simulators/genetec/server';
import { startOnGuardSimulator } from '../../src/simulators/onguard/server';
import { simRequest } from '../helpers/sim';

/**
 * `npm start` keeps the embedded simulators' data under DATA_DIR/simulators/, so after a restart the
 * badges the database says are active are still there. Each simulator: change something, stop, start on
 * the same file, find it; a simulator without a state file starts from its seed as before.
 */
describe('simulator state across restarts', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vb-sim-state-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('OnGuard keeps seeded and created rows, and its counters, in its state file', async () => {
    const stateFile = path.join(dir, 'onguard.json');
    const first = await startOnGuardSimulator({ stateFile });
    await simRequest(first.origin, 'POST', '/__sim/seed', {
      badgeTypes: [{ ID: 9, Name: 'Persisted type', BADGETYPECLASS: 3, manualEntry: true, idRange: null }],
    });
    const before = await simRequest(first.origin, 'GET', '/__sim/state');
    await first.close();
    expect(fs.statSync(stateFile).mode & 0o777).toBe(0o600);

    const second = await startOnGuardSimulator({ stateFile });
    try {
      const after = await simRequest(second.origin, 'GET', '/__sim/state');
      expect(after.instances.Lnl_BadgeType.map((t: { Name: string }) => t.Name)).toContain('Persisted type');
      expect(after.instances).toEqual(before.instances);
      expect(after.counters).toEqual(before.counters);
    } finally {
      await second.close();
    }
    const fresh = await startOnGuardSimulator();
    try {
      const seeded = await simRequest(fresh.origin, 'GET', '/__sim/state');
      expect(seeded.instances.Lnl_BadgeType.map((t: { Name: string }) => t.Name)).not.toContain('Persisted type');
    } finally {
      await fresh.close();
    }
  });

  it('Genetec keeps its entities in its state file', async () => {
    const stateFile = path.join(dir, 'genetec.json');
    const first = await startGenetecSimulator({ stateFile });
    const seeded = await simRequest(first.origin, 'POST', '/__sim/seed', {
      entities: [{ EntityType: 'Credential', Format: 'WiegandStandardCredentialFormat(1,2)' }],
    });
    const before = await simRequest(first.origin, 'GET', '/__sim/state');
    await first.close();

    const second = await startGenetecSimulator({ stateFile });
    try {
      const after = await simRequest(second.origin, 'GET', '/__sim/state');
      expect(after.entities.map((e: { Guid: string }) => e.Guid)).toContain(seeded.guids[0]);
      // ModifiedOn is computed when read (the simulator's clock), so it differs between any two reads.
      const stored = (entities: Array<Record<string, unknown>>) => entities.map(({ ModifiedOn: _m, ...rest }) => rest);
      expect(stored(after.entities)).toEqual(stored(before.entities));
    } finally {
      await second.close();
    }
  });

  it('starts from the seed when the state file is unreadable, and overwrites it', async () => {
    const stateFile = path.join(dir, 'torn.json');
    fs.writeFileSync(stateFile, '{"version":1,"state":');
    const sim = await startOnGuardSimulator({ stateFile });
    try {
      expect((await simRequest(sim.origin, 'GET', '/__sim/state')).instances.Lnl_BadgeType.length).toBeGreaterThan(0);
    } finally {
      await sim.close();
    }
    expect(() => JSON.parse(fs.readFileSync(stateFile, 'utf8'))).not.toThrow();
  });
});
