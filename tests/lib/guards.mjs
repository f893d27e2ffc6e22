// guards.mjs — what every Node test runner here needs so that it always
// ends with its "N passed, N failed" line and never hangs: a failure and a
// final report on signals, uncaught errors and an overall deadline, and a
// per-step time limit.

// fail(name, reason) records a failure; finish() prints the closing line
// and exits. The deadline timer does not keep the process alive.
export function installGuards({ fail, finish, deadlineMs, what = 'the suite' }) {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      fail('harness', `interrupted by ${sig}`);
      finish();
    });
  }
  process.on('uncaughtException', (e) => {
    fail('harness', `uncaught exception: ${e && e.stack ? e.stack : e}`);
    finish();
  });
  process.on('unhandledRejection', (e) => {
    fail('harness', `unhandled rejection: ${e && e.stack ? e.stack : e}`);
    finish();
  });
  setTimeout(() => {
    fail('harness', `overall timeout: ${what} took longer than ${deadlineMs / 1000} s`);
    finish();
  }, deadlineMs).unref();
}

// Rejects with "<what> timed out after <ms> ms" unless promise settles first.
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
