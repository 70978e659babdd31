import { boundedWait, WaitTimeout } from '../../src/temporal/bounded-wait';
import { testClient, uniqueTaskQueue } from '../helpers/temporal';

// A `Prefer: wait` or a provider run the API stops waiting for must not leave a long poll open: when the
// API then shuts down, the SDK retries such a poll on the closed channel from a timer and throws
// "Channel has been shut down" into whatever the process does next (this failed an unrelated CI test).
describe('boundedWait', () => {
  it('gives up after its time and cancels the call it abandons', async () => {
    const client = await testClient();
    try {
      // Nobody polls this task queue, so the workflow never ends and result() long-polls.
      const handle = await client.workflow.start('visitWorkflow', {
        workflowId: `bounded-wait-${Date.now()}`,
        taskQueue: uniqueTaskQueue('nobody'),
        args: [],
        workflowExecutionTimeout: '1 minute',
      });
      let poll: Promise<unknown> | undefined;
      const t0 = Date.now();
      await expect(boundedWait(client, 300, () => (poll = handle.result()))).rejects.toBeInstanceOf(WaitTimeout);
      expect(Date.now() - t0).toBeLessThan(5_000);
      const settled = await Promise.race([
        poll!.then(
          () => 'resolved',
          () => 'cancelled',
        ),
        new Promise((r) => setTimeout(() => r('still polling'), 3_000)),
      ]);
      expect(settled).toBe('cancelled');
      await handle.terminate('test over');
    } finally {
      await client.connection.close();
    }
  }, 30_000);

  it('returns the outcome when it comes in time', async () => {
    const client = await testClient();
    try {
      await expect(boundedWait(client, 5_000, async () => 'done')).resolves.toBe('done');
    } finally {
      await client.connection.close();
    }
  });
});
