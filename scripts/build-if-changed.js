#!/usr/bin/env node
'use strict';
/**
 * Compiles src/ into dist/ only when something it depends on changed since the last successful
 * build (`npm start` and `npm run demo` call it, so a second start is not held up by tsc).
 * dist/.build-stamp records that build; any file under src/, or tsconfig.json or package-lock.json,
 * newer than the stamp means building again. `--force` always builds (npm ci's prepare, npm run build).
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const stamp = path.join(root, 'dist', '.build-stamp');

function newestMtime(p) {
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs; // a removed or renamed file changes its directory's mtime
  for (const name of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, name)));
  return newest;
}

function upToDate() {
  let built;
  try {
    built = fs.statSync(stamp).mtimeMs;
  } catch {
    return false;
  }
  const inputs = ['src', 'tsconfig.json', 'package-lock.json'].map((p) => newestMtime(path.join(root, p)));
  return Math.max(...inputs) <= built;
}

if (!process.argv.includes('--force') && upToDate()) process.exit(0);
const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
const run = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
if (run.status !== 0) process.exit(run.status ?? 1);
fs.mkdirSync(path.dirname(stamp), { recursive: true });
fs.writeFileSync(stamp, `${new Date().toISOString()}\n`);
