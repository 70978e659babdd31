import { startHarness, type SimHarness } from './sim-helpers';

/**
 * Drop-after-commit on creates (POST /__sim/drop-next): the create is applied, then the connection is cut
 * without an answer. The contract a client relies on: the entity exists although no answer arrived.
 */
describe('Genetec simulator: drop-after-commit on creates', () => {
  let h: SimHarness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterEach(() => h.ctl('POST', '/reset'));
  afterAll(() => h.close());

  const entities = async () => (await h.ctl('GET', '/state')).entities as any[];
  const createVisitor = (lastName: string) =>
    h.api('/entity', { method: 'POST', q: `entity=NewEntity(Visitor),FirstName=Drop,LastName=${lastName},Description=marker-${lastName},Guid` });

  it('applies the create, answers nothing, and the entity exists afterwards', async () => {
    await h.ctl('POST', '/drop-next', {});
    await expect(createVisitor('Lost')).rejects.toThrow();
    const found = (await entities()).filter((e) => e.LastName === 'Lost');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ EntityType: 'Visitor', Description: 'marker-Lost' });
    // Found through the API as well, the way a client re-checks.
    const rows = await h.ok('/report/EntityConfiguration', 'EntityTypes@Visitor,Description=marker-Lost');
    expect(rows).toEqual([{ Guid: found[0].Guid }]);
    expect(await h.ctl('GET', '/drop-next')).toEqual({ queued: [], dropped: 1 });
    // One-shot: the next create is answered.
    const next = await createVisitor('Answered');
    expect(next.json.Rsp.Status).toBe('Ok');
  });

  it('drops only creates of the chosen entity type, counting down', async () => {
    await h.ctl('POST', '/drop-next', { entityType: 'credential', count: 2 });
    expect((await createVisitor('Kept')).json.Rsp.Status).toBe('Ok');
    const create = (card: number) =>
      h.api('/entity', { method: 'POST', q: `entity=NewEntity(Credential),Format=WiegandStandardCredentialFormat(0,${card}),Guid` });
    await expect(create(4001)).rejects.toThrow();
    await expect(create(4002)).rejects.toThrow();
    expect((await create(4003)).json.Rsp.Status).toBe('Ok');
    const cards = (await entities()).filter((e) => e.EntityType === 'Credential').map((e) => e.Format?.CardId);
    expect(cards).toEqual(expect.arrayContaining([4001, 4002, 4003]));
    expect((await h.ctl('GET', '/state')).droppedAfterCommit).toBe(2);
  });

  it('keeps the drop queued when the create fails (nothing was committed) and leaves reads alone', async () => {
    await h.ctl('POST', '/drop-next', {});
    // Card 1500 exists in the seed: the duplicate fails and is answered normally.
    const dup = await h.api('/entity', { method: 'POST', q: 'entity=NewEntity(Credential),Format=WiegandStandardCredentialFormat(0,1500),Guid' });
    expect(dup.json.Rsp.Status).toBe('Fail');
    expect((await h.api('/entity', { q: 'entity=00000000-0000-0000-0000-000000000008,Name' })).json.Rsp.Status).toBe('Ok');
    expect((await h.ctl('GET', '/drop-next')).queued).toEqual([{ remaining: 1 }]);
    await h.ctl('DELETE', '/drop-next');
    expect((await createVisitor('AfterClear')).json.Rsp.Status).toBe('Ok');
  });

  it('refuses an unknown entity type and is cleared by reset', async () => {
    await expect(h.ctl('POST', '/drop-next', { entityType: 'Spaceship' })).rejects.toThrow(/400/);
    await h.ctl('POST', '/drop-next', { count: 3 });
    await h.ctl('POST', '/reset');
    expect(await h.ctl('GET', '/drop-next')).toEqual({ queued: [], dropped: 0 });
  });
});
