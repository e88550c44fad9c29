#!/usr/bin/env node
'use strict';
// The SDK warns on every start under Node 20 that releases after January 2027 need Node 22.
// Operators see it once in the README; it would otherwise precede every command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Ctrl-C / SIGTERM: the command aborts its AWS calls and records what it was doing (see
// src/cli/interrupt.ts). Should that take longer than 8 seconds, or a second signal come, the
// process ends at once with 130 (a run left `running` is shown as interrupted by the next command).
const HARD_EXIT_MS = 8000;
let signals = 0;
const onSignal = () => {
  signals += 1;
  if (signals > 1) process.exit(130);
  setTimeout(() => {
    process.stderr.write(`snapward: still stopping ${HARD_EXIT_MS / 1000} s after the signal; exiting now\n`);
    process.exit(130);
  }, HARD_EXIT_MS).unref();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

require('../dist/src/cli/main.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
