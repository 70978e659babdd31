// Node test environment that prints the Temporal SDK log collected by test/helpers/quiet-sdk.ts only
// for a test (or hook) that failed: a passing run stays quiet, a failing one still shows what the worker saw.
const { TestEnvironment } = require('jest-environment-node');

class QuietSdkEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global.__sdkLog = [];
  }

  flush(what) {
    const log = this.global.__sdkLog;
    if (!log || !log.length) return;
    process.stderr.write(`\n--- Temporal SDK log before the failure of ${what} (${log.length} lines) ---\n${log.join('\n')}\n--- end of SDK log ---\n`);
    log.length = 0;
  }

  async handleTestEvent(event) {
    const log = this.global.__sdkLog;
    if (event.name === 'test_start' && log) log.length = 0;
    if (event.name === 'test_done' && event.test.errors.length) this.flush(`"${event.test.name}"`);
    if (event.name === 'hook_failure') this.flush(`a ${event.hook.type} hook`);
  }
}

module.exports = QuietSdkEnvironment;
