#!/usr/bin/env node
'use strict';
// The SDK warns on every start under Node 20 that releases after January 2027 need Node 22.
// Operators see it once in the README; it would otherwise precede every command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('../dist/src/cli/main.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
