#!/usr/bin/env node
'use strict';
// The compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
let main, guardStdio;
try {
  ({ main, guardStdio } = require('../dist/cli/main.js'));
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && /dist[\\/]cli[\\/]main/.test(String(e.message))) {
    console.error('interflow is not built yet: run `npm ci` (or `npm run build`) in ' + require('path').resolve(__dirname, '..'));
    process.exit(1);
  }
  throw e;
}
guardStdio();
main(process.argv).then((code) => { process.exitCode = code; });
